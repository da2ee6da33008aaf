// The message set every echo run sends, in this order. Shared by the page
// (loaded as a module from the page server) and Node (imported directly).

function c0() {
  let s = '';
  for (let c = 0x00; c <= 0x1f; c++) s += String.fromCharCode(c);
  return s;
}

function c1() {
  let s = '';
  for (let c = 0x80; c <= 0x9f; c++) s += String.fromCharCode(c);
  return s;
}

// 100 KiB (102400 characters, all ASCII so also 102400 UTF-8 bytes) of
// deterministic pseudo-random printable ASCII, including '"' and '\\' which
// JSON framing must escape.
function large(n = 100 * 1024) {
  const out = new Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = String.fromCharCode(0x20 + (x % 95));
  }
  return out.join('');
}

/** [{ name, data }] in sending order. */
export function buildMessages() {
  return [
    { name: 'Korean text', data: '다람쥐 헌 쳇바퀴에 타고파. 안녕하세요, 세계!' },
    { name: 'emoji', data: '😀 👍🏽 👩‍👩‍👧‍👦 🇰🇷 🦀' },
    { name: 'C0 controls U+0000..U+001F', data: c0() },
    { name: 'C1 controls U+0080..U+009F', data: c1() },
    { name: 'U+2028', data: '\u2028' },
    { name: 'U+FEFF', data: '\uFEFF' },
    { name: 'U+FFFF', data: '\uFFFF' },
    { name: 'empty string', data: '' },
    { name: '100 KiB message', data: large() },
  ];
}
