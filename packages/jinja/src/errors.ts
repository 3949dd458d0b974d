/**
 * The errors a template can raise. Every error thrown while a node is evaluated is given the
 * template name and the 1-based line of that node (the innermost template wins), so callers can
 * point at the source. Messages follow Jinja2's wording.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
  /** Name of the template the error happened in (as given to the loader), if known. */
  template?: string;
  /** 1-based line in that template, if known. */
  line?: number;

  constructor(message: string, options?: { template?: string; line?: number }) {
    super(message);
    if (options?.template !== undefined) this.template = options.template;
    if (options?.line !== undefined) this.line = options.line;
  }

  /** Records where the error happened unless an inner template already did. */
  locate(template: string | undefined, line: number | undefined): this {
    if (this.line === undefined && line !== undefined) {
      this.line = line;
      if (template !== undefined) this.template = template;
    } else if (this.template === undefined && template !== undefined && this.line === undefined) {
      this.template = template;
    }
    return this;
  }

  /** The message prefixed with `template:line: ` when the location is known. */
  get located(): string {
    if (this.template === undefined && this.line === undefined) return this.message;
    const where = `${this.template ?? '<template>'}${this.line === undefined ? '' : `:${this.line}`}`;
    return `${where}: ${this.message}`;
  }
}

/** The template source does not follow Jinja2's grammar. */
export class TemplateSyntaxError extends TemplateError {
  override name = 'TemplateSyntaxError';
}

/** A template (extends/include/import) the loader does not have. */
export class TemplateNotFound extends TemplateError {
  override name = 'TemplateNotFound';
  constructor(
    readonly templateName: string,
    options?: { template?: string; line?: number },
  ) {
    super(templateName, options);
  }
}

/** A name or attribute that is not defined was used (StrictUndefined). */
export class UndefinedError extends TemplateError {
  override name = 'UndefinedError';
}

/** The template tried to reach something the sandbox refuses (e.g. `_`-prefixed attributes). */
export class SecurityError extends TemplateError {
  override name = 'SecurityError';
}

/** A rendering budget (iterations, recursion depth, output size, time) was exceeded. */
export class LimitError extends TemplateError {
  override name = 'LimitError';
}

/** The longest str or list an operation (`*`, a format precision) builds before refusing as a budget. */
export const MAX_BUILT_LENGTH = 10_000_000;

/** The LimitError message for a value too large to build. */
export const VALUE_TOO_LARGE = 'a value grew beyond the size limit';

/** Python exception types the engine raises where Python's Jinja2 would. */
export type PyExceptionType =
  | 'TypeError'
  | 'ValueError'
  | 'KeyError'
  | 'IndexError'
  | 'ZeroDivisionError'
  | 'OverflowError'
  | 'AttributeError'
  | 'FilterArgumentError'
  | 'RuntimeError'
  | 'RecursionError'
  | 'UnicodeError'
  | 'NotImplementedError'
  | 'StopIteration'
  | 'TemplateRuntimeError'
  | 'TemplateAssertionError';

/** A runtime error Python would raise (`TypeError`, `ValueError`, ...), with its Python type. */
export class PyException extends TemplateError {
  override name = 'PyException';
  constructor(
    readonly pyType: PyExceptionType,
    message: string,
    options?: { template?: string; line?: number },
  ) {
    super(message, options);
  }

  /** Python's `str(type) + ': ' + message` form. */
  override toString(): string {
    return `${this.pyType}: ${this.message}`;
  }
}
