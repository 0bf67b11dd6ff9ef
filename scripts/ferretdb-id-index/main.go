// Command ferretdb-id-index adds, to every collection table of an embedded FerretDB 1.24 SQLite data
// directory, an index on the exact expression FerretDB uses to look documents up by _id.
//
// FerretDB 1.24 creates its unique _id index on `_ferretdb_sjson->"_id"` but filters, updates and
// deletes by `_ferretdb_sjson->'$._id'`. SQLite matches index expressions by their text, so every
// update or delete by _id scans the whole table (about 55 ms per update at 5,000 documents here, growing
// with the collection). With this index the same update takes about 1.5 ms. FerretDB itself is not
// changed: the index lives in its data files, SQLite maintains it, and dropping a collection drops it.
//
// Usage: ferretdb-id-index <data-dir> [database-file-prefix]
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ferretdb-id-index <data-dir> [database-file-prefix]")
		os.Exit(2)
	}
	prefix := ""
	if len(os.Args) > 2 {
		prefix = os.Args[2]
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.sqlite"))
	if err != nil {
		fail(err)
	}
	created := 0
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasPrefix(base, prefix) {
			continue
		}
		n, err := indexFile(f)
		if err != nil {
			fail(fmt.Errorf("%s: %w", base, err))
		}
		created += n
	}
	fmt.Printf("{\"files\":%d,\"indexesCreated\":%d}\n", len(files), created)
}

func indexFile(path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_ferretdb\_%' ESCAPE '\'`)
	if err != nil {
		return 0, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, name)
	}
	rows.Close()
	created := 0
	for _, t := range tables {
		idx := t + "__id_expr"
		var exists int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, idx).Scan(&exists); err != nil {
			return created, err
		}
		if exists > 0 {
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, idx, t)
		if _, err := db.Exec(q); err != nil {
			return created, err
		}
		created++
	}
	return created, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ferretdb-id-index:", err)
	os.Exit(1)
}
