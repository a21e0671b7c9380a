// Bake reads the strings of a JSON definition as HCL templates, so `${...}` and `%{...}` in a value
// would be interpolated. Every value the wrapper writes into a bake file is already final (compose
// interpolated it, or bake --print resolved it), so both are escaped to reach the build verbatim. Pure.

export function bakeLiteral<T>(value: T): T {
  // Replacement functions, not strings: in a replacement string `$$` is itself an escape.
  if (typeof value === 'string') return value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => bakeLiteral(v)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bakeLiteral(v)])) as T;
  return value;
}
