/**
 * Jinja2's default global names: `range`, `dict`, `lipsum`, `cycler`, `joiner`, `namespace`.
 */
import { arg, bindArgs } from './args.ts';
import { PyException } from './errors.ts';
import { escapeHtml } from './ops.ts';
import { strCapitalize } from './methods.ts';
import {
  Cycler,
  Joiner,
  Markup,
  Namespace,
  PyFunction,
  PyRange,
  PyTuple,
  Undefined,
  dictSet,
  pyIter,
  pyStr,
  truthy,
  typeName,
  type PyDict,
  type PyValue,
} from './values.ts';

function rangeArg(v: PyValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
}

const range = new PyFunction(
  'range',
  (args, kwargs) => {
    if (kwargs.size > 0) throw new PyException('TypeError', 'range() takes no keyword arguments');
    if (args.length === 0) throw new PyException('TypeError', 'range expected at least 1 argument, got 0');
    if (args.length > 3)
      throw new PyException('TypeError', `range expected at most 3 arguments, got ${args.length}`);
    const n = args.map(rangeArg);
    if (n.length === 1) return new PyRange(0n, n[0] as bigint, 1n);
    return new PyRange(n[0] as bigint, n[1] as bigint, n[2] ?? 1n);
  },
  "<class 'range'>",
);

/** Python's `dict(*args, **kwargs)` (also what `namespace(...)` takes). */
function makeDict(fname: string, args: PyValue[], kwargs: Map<string, PyValue>): PyDict {
  if (args.length > 1)
    throw new PyException('TypeError', `${fname} expected at most 1 argument, got ${args.length}`);
  const d: PyDict = new Map();
  const src = args[0];
  if (src !== undefined) {
    if (src instanceof Map) {
      for (const [k, v] of src) dictSet(d, k, v);
    } else {
      let i = 0;
      for (const item of pyIter(src)) {
        const pair = Array.isArray(item)
          ? item
          : item instanceof PyTuple
            ? item.items
            : typeof item === 'string'
              ? Array.from(item)
              : undefined;
        if (pair === undefined) {
          throw new PyException(
            'TypeError',
            `cannot convert dictionary update sequence element #${i} to a sequence`,
          );
        }
        if (pair.length !== 2) {
          throw new PyException(
            'ValueError',
            `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`,
          );
        }
        dictSet(d, pair[0] as PyValue, pair[1] as PyValue);
        i++;
      }
    }
  }
  for (const [k, v] of kwargs) d.set(k, v);
  return d;
}

const dict = new PyFunction('dict', (args, kwargs) => makeDict('dict', args, kwargs), "<class 'dict'>");

const cycler = new PyFunction(
  'cycler',
  (args, kwargs) => {
    for (const k of kwargs.keys()) {
      throw new PyException('TypeError', `Cycler.__init__() got an unexpected keyword argument '${k}'`);
    }
    return new Cycler(args.slice());
  },
  "<class 'jinja2.utils.Cycler'>",
);

const joiner = new PyFunction(
  'joiner',
  (args, kwargs) => {
    const b = bindArgs({ name: 'Joiner.__init__', params: [['sep', ', ']], implicit: 1 }, args, kwargs);
    return new Joiner(pyStr(arg(b, 'sep')));
  },
  "<class 'jinja2.utils.Joiner'>",
);

const namespace = new PyFunction(
  'namespace',
  (args, kwargs) => {
    const d = makeDict('dict', args, kwargs);
    const attrs = new Map<string, PyValue>();
    for (const [k, v] of d) attrs.set(typeof k === 'string' ? k : pyStr(k), v);
    return new Namespace(attrs);
  },
  "<class 'jinja2.utils.Namespace'>",
);

const LOREM_IPSUM_WORDS =
  `a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum
blandit class commodo condimentum congue consectetuer consequat conubia convallis cras cubilia cum curabitur
curae cursus dapibus diam dictum dictumst dignissim dis dolor donec dui duis egestas eget eleifend elementum elit
enim erat eros est et etiam eu euismod facilisi facilisis fames faucibus felis fermentum feugiat fringilla fusce
gravida habitant habitasse hac hendrerit hymenaeos iaculis id imperdiet in inceptos integer interdum ipsum justo
lacinia lacus laoreet lectus leo libero ligula litora lobortis lorem luctus maecenas magna magnis malesuada massa
mattis mauris metus mi molestie mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non
nonummy nostra nulla nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra phasellus
placerat platea porta porttitor posuere potenti praesent pretium primis proin pulvinar purus quam quis quisque
rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper senectus sit sociis sociosqu
sodales sollicitudin suscipit suspendisse taciti tellus tempor tempus tincidunt torquent tortor tristique turpis
ullamcorper ultrices ultricies urna ut varius vehicula vel velit venenatis vestibulum vitae vivamus viverra
volutpat vulputate`.split(/\s+/);

function randrange(lo: number, hi: number): number {
  if (hi <= lo) throw new PyException('ValueError', `empty range in randrange(${lo}, ${hi})`);
  return lo + Math.floor(Math.random() * (hi - lo));
}

function choice<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)] as T;
}

function toInt(v: PyValue): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Undefined) return v.fail();
  throw new PyException('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
}

const lipsum = new PyFunction(
  'generate_lorem_ipsum',
  (args, kwargs, ctx) => {
    const b = bindArgs(
      {
        name: 'generate_lorem_ipsum',
        params: [
          ['n', 5n],
          ['html', true],
          ['min', 20n],
          ['max', 100n],
        ],
      },
      args,
      kwargs,
    );
    const n = toInt(arg(b, 'n'));
    const min = toInt(arg(b, 'min'));
    const max = toInt(arg(b, 'max'));
    const result: string[] = [];
    for (let k = 0; k < n; k++) {
      ctx.tick();
      let nextCapitalized = true;
      let lastComma = 0;
      let lastFullstop = 0;
      let last: string | undefined;
      const p: string[] = [];
      const count = randrange(min, max);
      ctx.tick(count);
      for (let idx = 0; idx < count; idx++) {
        let word: string;
        for (;;) {
          word = choice(LOREM_IPSUM_WORDS);
          if (word !== last) {
            last = word;
            break;
          }
        }
        if (nextCapitalized) {
          word = strCapitalize(word);
          nextCapitalized = false;
        }
        if (idx - randrange(3, 8) > lastComma) {
          lastComma = idx;
          lastFullstop += 2;
          word += ',';
        }
        if (idx - randrange(10, 20) > lastFullstop) {
          lastComma = lastFullstop = idx;
          word += '.';
          nextCapitalized = true;
        }
        p.push(word);
      }
      let pStr = p.join(' ');
      if (pStr.endsWith(',')) pStr = pStr.slice(0, -1) + '.';
      else if (!pStr.endsWith('.')) pStr += '.';
      result.push(pStr);
    }
    if (!truthy(arg(b, 'html'))) return result.join('\n\n');
    return new Markup(result.map((x) => `<p>${escapeHtml(x)}</p>`).join('\n'));
  },
  '<function generate_lorem_ipsum>',
);

/** Jinja2's default globals: range, dict, lipsum, cycler, joiner, namespace. */
export function builtinGlobals(): Map<string, PyValue> {
  return new Map<string, PyValue>([
    ['range', range],
    ['dict', dict],
    ['lipsum', lipsum],
    ['cycler', cycler],
    ['joiner', joiner],
    ['namespace', namespace],
  ]);
}
