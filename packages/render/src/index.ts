// Every module here keeps its heavy dependencies (the Jinja engine, yaml, kubernetes-models, fflate,
// diff) behind `await import()`, so importing this package costs nothing at start-up.
export { RenderParameterError } from './errors.ts';
export type { ImageReference } from './image.ts';
export { parseImageReference } from './image.ts';
export type { VersionSource } from './version.ts';
export {
  defaultVersion,
  checkVersion,
  releaseTime,
  releaseVersion,
  projectName,
  MAX_VERSION_LENGTH,
} from './version.ts';
export type { Values } from './values.ts';
export { mergeValues, loadValuesFiles, parseValues } from './values.ts';
export type { ValuesWarning } from './values.ts';
export type { TemplateFile } from './templates.ts';
export { resolveTemplates, resolveTemplateRoot } from './templates.ts';
export type { BuiltinValues } from './context.ts';
export { templateContext, checkValueNames, BUILTIN_SOURCES } from './context.ts';
export type { RenderedFile } from './render.ts';
export { renderTemplates, TemplateError } from './render.ts';
export type { RenderOptions } from './render.ts';
export type { Problem, ManifestObject, ValidationResult } from './validate.ts';
export { validateManifests, formatProblem } from './validate.ts';
export type { BundleFormat } from './bundle.ts';
export { zipFiles, concatYaml, sha256Hex, compare } from './bundle.ts';
export type { FileText, ReleaseDiff } from './diff.ts';
export { diffReleases } from './diff.ts';
