/** `name`, or `name (2)`, `name (3)`, … — so that the same file loaded twice is told apart in every list. */
export function uniqueName(name: string, taken: readonly string[]): string {
  if (!taken.includes(name)) return name;
  let n = 2;
  while (taken.includes(`${name} (${n})`)) n++;
  return `${name} (${n})`;
}
