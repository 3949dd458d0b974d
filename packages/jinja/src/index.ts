export { Environment } from './environment.ts';
export type { EnvironmentOptions, RenderContext, TemplateLoader } from './environment.ts';
export { DEFAULT_LIMITS } from './runtime.ts';
export type { Limits } from './runtime.ts';
export {
  TemplateError,
  TemplateSyntaxError,
  TemplateNotFound,
  UndefinedError,
  SecurityError,
  LimitError,
  PyException,
} from './errors.ts';
export type { PyExceptionType } from './errors.ts';
export { fromJS, toJS, pyStr, pyRepr, Markup, PyFunction, Undefined } from './values.ts';
export type { PyValue, FilterFunction, TestFunction, CallContext } from './values.ts';
export { readValuesYaml, ValuesYamlError, PyDate, PyDateTime } from './yaml.ts';
export type { ValuesYaml, YamlVersionWarning, ReadValuesOptions } from './yaml.ts';
export { isDict, dictGet, dictHas, dictSet } from './values.ts';
export type { PyDict } from './values.ts';
