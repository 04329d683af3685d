// Sizes as people read them, worded as the core words them
// (`sagedesk::size`): how much there is of something, in decimal units, and
// memory limits, in the binary units the settings give them in.

/**
 * A size for people, in decimal units as Docker prints them and as the core
 * words every size (`sagedesk::size::decimal`): one decimal below 100 of a
 * unit, none from there: `999 bytes`, `6883500` → `6.9 MB`, `312 MB`.
 */
export function formatBytes(n: number): string {
  if (n < 1000) return n === 1 ? '1 byte' : `${n} bytes`;
  let value = n / 1000;
  for (const unit of ['kB', 'MB']) {
    if (Math.round(value * 10) < 10_000) return withUnit(value, unit);
    value /= 1000;
  }
  return withUnit(value, 'GB');
}

function withUnit(value: number, unit: string): string {
  return `${Math.round(value * 10) < 1000 ? fixed(value, 1) : fixed(value, 0)} ${unit}`;
}

/**
 * `value` with `digits` decimals, as Rust's `{:.N}` writes it: from the exact
 * value of the float, an exact tie rounded to even (1.25 → 1.2, where
 * `toFixed` gives 1.3; 1.15 is a little under 1.15 as a float, so 1.1 for
 * both).
 */
function fixed(value: number, digits: number): string {
  const [whole, fraction] = value.toFixed(100).split('.');
  if (/^50*$/.test(fraction.slice(digits))) {
    const kept = Number(whole + fraction.slice(0, digits));
    return ((kept % 2 === 0 ? kept : kept + 1) / 10 ** digits).toFixed(digits);
  }
  return value.toFixed(digits);
}

/**
 * A memory limit, in binary units, whole when it is (`sagedesk::size::memory_limit`):
 * `2 GiB`, `1.5 GiB`, `512 MiB`.
 */
export function formatMemory(bytes: number): string {
  const gib = 2 ** 30;
  if (bytes >= gib && bytes % gib === 0) return `${bytes / gib} GiB`;
  if (bytes >= gib) return `${fixed(bytes / gib, 1)} GiB`;
  return `${Math.floor(bytes / 2 ** 20)} MiB`;
}
