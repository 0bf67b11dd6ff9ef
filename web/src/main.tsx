import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { api, getCredential, SIGNED_OUT_EVENT } from './api.js';
import { MeContext, signOut } from './session.js';
import { Shell } from './shell.js';
import { SignIn } from './pages/SignIn.js';
import type { Me } from './types.js';

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => getCredential() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  // A credential from earlier in this tab: check it is still good.
  useEffect(() => {
    if (!checking) return;
    api<Me>('/me').then(
      (m) => {
        setMe(m);
        setChecking(false);
      },
      () => setChecking(false),
    );
  }, []);

  useEffect(() => {
    const out = () => {
      signOut();
      setMe(null);
      setNotice('登录已失效或凭据无效，请重新登录。');
    };
    window.addEventListener(SIGNED_OUT_EVENT, out);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, out);
  }, []);

  if (checking) return <p class="muted boot">正在验证登录状态…</p>;
  if (!me) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(m) => {
          setNotice(null);
          setMe(m);
          window.location.hash = '/';
        }}
      />
    );
  }
  return (
    <MeContext.Provider value={me}>
      <Shell
        onSignOut={() => {
          signOut();
          setMe(null);
          setNotice('已退出登录。');
        }}
      />
    </MeContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
