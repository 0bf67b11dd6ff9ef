export { importRoutes } from './routes.js';
export { ImportModel, ImportErrorModel, type ImportDoc, type ImportErrorDoc, type ImportFormat, type ImportStatus } from './model.js';
export {
  IMPORT_MAX_ROWS,
  configureImports,
  createImport,
  startImport,
  importFile,
  runImport,
  resumeImports,
  stopImports,
  getImport,
  listImports,
  presentImport,
  writeErrorReport,
  type ImportProgress,
  type ImportSettings,
} from './service.js';
export { formatOfContentType, formatOfFileName } from './parse.js';
export { IMPORT_KIND_LABEL, IMPORT_KIND_PATH, importTable, kindOfParam, type ImportField, type ImportKind, type ImportKindParam } from './kinds.js';
export { templateFile, type TemplateFormat } from './templates.js';
