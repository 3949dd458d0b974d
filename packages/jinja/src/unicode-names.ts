/**
 * Python's `\N{NAME}` escapes for the names templates plausibly use: Latin letters (with one
 * diacritic, composed through NFC), digits and a table of common symbols. Node has no Unicode
 * name database; a name outside this set raises Python's own "unknown Unicode character name".
 */

const MARKS: ReadonlyMap<string, number> = new Map([
  ['GRAVE', 0x300],
  ['ACUTE', 0x301],
  ['CIRCUMFLEX', 0x302],
  ['TILDE', 0x303],
  ['MACRON', 0x304],
  ['BREVE', 0x306],
  ['DOT ABOVE', 0x307],
  ['DIAERESIS', 0x308],
  ['HOOK ABOVE', 0x309],
  ['RING ABOVE', 0x30a],
  ['DOUBLE ACUTE', 0x30b],
  ['CARON', 0x30c],
  ['DOUBLE GRAVE', 0x30f],
  ['INVERTED BREVE', 0x311],
  ['HORN', 0x31b],
  ['DOT BELOW', 0x323],
  ['DIAERESIS BELOW', 0x324],
  ['RING BELOW', 0x325],
  ['COMMA BELOW', 0x326],
  ['CEDILLA', 0x327],
  ['OGONEK', 0x328],
  ['CIRCUMFLEX BELOW', 0x32d],
  ['BREVE BELOW', 0x32e],
  ['TILDE BELOW', 0x330],
  ['LINE BELOW', 0x331],
]);

const DIGITS = ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'];

const SYMBOLS: ReadonlyMap<string, number> = new Map([
  ['SPACE', 0x20],
  ['NO-BREAK SPACE', 0xa0],
  ['SNOWMAN', 0x2603],
  ['EM DASH', 0x2014],
  ['EN DASH', 0x2013],
  ['BULLET', 0x2022],
  ['HORIZONTAL ELLIPSIS', 0x2026],
  ['COPYRIGHT SIGN', 0xa9],
  ['REGISTERED SIGN', 0xae],
  ['TRADE MARK SIGN', 0x2122],
  ['DEGREE SIGN', 0xb0],
  ['EURO SIGN', 0x20ac],
  ['POUND SIGN', 0xa3],
  ['YEN SIGN', 0xa5],
  ['CENT SIGN', 0xa2],
  ['DOLLAR SIGN', 0x24],
  ['CHECK MARK', 0x2713],
  ['HEAVY CHECK MARK', 0x2714],
  ['BALLOT X', 0x2717],
  ['BLACK STAR', 0x2605],
  ['WHITE STAR', 0x2606],
  ['RIGHTWARDS ARROW', 0x2192],
  ['LEFTWARDS ARROW', 0x2190],
  ['UPWARDS ARROW', 0x2191],
  ['DOWNWARDS ARROW', 0x2193],
  ['MULTIPLICATION SIGN', 0xd7],
  ['DIVISION SIGN', 0xf7],
  ['PLUS-MINUS SIGN', 0xb1],
  ['MICRO SIGN', 0xb5],
  ['SECTION SIGN', 0xa7],
  ['PILCROW SIGN', 0xb6],
  ['LEFT SINGLE QUOTATION MARK', 0x2018],
  ['RIGHT SINGLE QUOTATION MARK', 0x2019],
  ['LEFT DOUBLE QUOTATION MARK', 0x201c],
  ['RIGHT DOUBLE QUOTATION MARK', 0x201d],
  ['ZERO WIDTH SPACE', 0x200b],
  ['ZERO WIDTH JOINER', 0x200d],
  ['ZERO WIDTH NON-JOINER', 0x200c],
  ['BYTE ORDER MARK', 0xfeff],
  ['ZERO WIDTH NO-BREAK SPACE', 0xfeff],
  ['NULL', 0x0],
  ['CHARACTER TABULATION', 0x9],
  ['LINE FEED', 0xa],
  ['CARRIAGE RETURN', 0xd],
  ['ESCAPE', 0x1b],
  ['DELETE', 0x7f],
  ['BLACK HEART SUIT', 0x2665],
  ['WARNING SIGN', 0x26a0],
  ['HIGH VOLTAGE SIGN', 0x26a1],
  ['GREEK SMALL LETTER ALPHA', 0x3b1],
  ['GREEK SMALL LETTER BETA', 0x3b2],
  ['GREEK SMALL LETTER GAMMA', 0x3b3],
  ['GREEK SMALL LETTER DELTA', 0x3b4],
  ['GREEK SMALL LETTER LAMDA', 0x3bb],
  ['GREEK SMALL LETTER MU', 0x3bc],
  ['GREEK SMALL LETTER PI', 0x3c0],
  ['GREEK SMALL LETTER SIGMA', 0x3c3],
  ['GREEK CAPITAL LETTER OMEGA', 0x3a9],
  ['GREEK CAPITAL LETTER DELTA', 0x394],
  ['INFINITY', 0x221e],
  ['NOT EQUAL TO', 0x2260],
  ['LESS-THAN OR EQUAL TO', 0x2264],
  ['GREATER-THAN OR EQUAL TO', 0x2265],
  ['ALMOST EQUAL TO', 0x2248],
  ['MIDDLE DOT', 0xb7],
  ['INVERTED QUESTION MARK', 0xbf],
  ['INVERTED EXCLAMATION MARK', 0xa1],
  ['LEFT-POINTING DOUBLE ANGLE QUOTATION MARK', 0xab],
  ['RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK', 0xbb],
  ['BOX DRAWINGS LIGHT HORIZONTAL', 0x2500],
  ['BOX DRAWINGS LIGHT VERTICAL', 0x2502],
  ['FULL BLOCK', 0x2588],
  ['LATIN SMALL LETTER SHARP S', 0xdf],
  ['LATIN SMALL LETTER O WITH STROKE', 0xf8],
  ['LATIN CAPITAL LETTER O WITH STROKE', 0xd8],
  ['LATIN SMALL LETTER AE', 0xe6],
  ['LATIN CAPITAL LETTER AE', 0xc6],
  ['LATIN SMALL LETTER L WITH STROKE', 0x142],
  ['LATIN CAPITAL LETTER L WITH STROKE', 0x141],
  ['LATIN SMALL LETTER D WITH STROKE', 0x111],
  ['LATIN SMALL LETTER DOTLESS I', 0x131],
  ['LATIN SMALL LIGATURE OE', 0x153],
  ['LATIN SMALL LETTER ETH', 0xf0],
  ['LATIN SMALL LETTER THORN', 0xfe],
  ['GRINNING FACE', 0x1f600],
  ['THUMBS UP SIGN', 0x1f44d],
  ['ROCKET', 0x1f680],
  ['PARTY POPPER', 0x1f389],
  ['SPARKLES', 0x2728],
  ['WHITE HEAVY CHECK MARK', 0x2705],
  ['CROSS MARK', 0x274c],
  ['FIRE', 0x1f525],
  ['PACKAGE', 0x1f4e6],
  ['HOURGLASS', 0x231b],
  ['GEAR', 0x2699],
  ['LOCK', 0x1f512],
  ['KEY', 0x1f511],
  ['BELL', 0x1f514],
  ['WRENCH', 0x1f527],
  ['HAMMER', 0x1f528],
  ['ROBOT FACE', 0x1f916],
  ['WHALE', 0x1f40b],
  ['SPOUTING WHALE', 0x1f433],
  ['GLOBE WITH MERIDIANS', 0x1f310],
  ['RED APPLE', 0x1f34e],
  ['LARGE GREEN CIRCLE', 0x1f7e2],
  ['LARGE RED CIRCLE', 0x1f534],
  ['LARGE YELLOW CIRCLE', 0x1f7e1],
  ['LARGE BLUE CIRCLE', 0x1f535],
]);

const LATIN = /^LATIN (SMALL|CAPITAL) LETTER ([A-Z])(?: WITH (.+))?$/;

/** The character Python's `\N{name}` gives, or undefined when the name is not known here. */
export function lookupUnicodeName(name: string): string | undefined {
  const upper = name.toUpperCase();
  const symbol = SYMBOLS.get(upper);
  if (symbol !== undefined) return String.fromCodePoint(symbol);
  const digit = /^DIGIT ([A-Z]+)$/.exec(upper);
  if (digit) {
    const i = DIGITS.indexOf(digit[1] as string);
    return i >= 0 ? String(i) : undefined;
  }
  const m = LATIN.exec(upper);
  if (!m) return undefined;
  const base = m[1] === 'SMALL' ? (m[2] as string).toLowerCase() : (m[2] as string);
  if (m[3] === undefined) return base;
  // Names with two marks do not follow one order (`A WITH CIRCUMFLEX AND DOT BELOW` but
  // `O WITH ACUTE AND HORN`), so only single marks are composed.
  const mark = MARKS.get(m[3]);
  if (mark === undefined) return undefined;
  const composed = (base + String.fromCodePoint(mark)).normalize('NFC');
  // Only a single precomposed character has such a name.
  return [...composed].length === 1 ? composed : undefined;
}
