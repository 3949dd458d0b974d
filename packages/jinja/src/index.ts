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
