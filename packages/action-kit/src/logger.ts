/** Where an annotation points, as the runner's `::error file=…,line=…::` properties. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
}

/**
 * What domain packages log through. Only action-kit knows the runner protocol, so every package
 * can be tested without a runner around it.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string, props?: AnnotationProperties): void;
  error(message: string, props?: AnnotationProperties): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** A logger that drops everything (unit tests that do not look at logs). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warning() {},
  error() {},
  group: (_name, fn) => fn(),
};

/** A logger that keeps every line as `level: message`, for unit tests that assert on logs. */
export function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    async group(name, fn) {
      lines.push(`group: ${name}`);
      try {
        return await fn();
      } finally {
        lines.push(`endgroup: ${name}`);
      }
    },
  };
}
