import { TesseraError } from '../errors';

/**
 * A plans.json configuration with `inherits_from` resolved, as nnU-Net's PlansManager does it: the parent is
 * resolved first (recursively), then the child's keys replace the parent's one level deep (a child that sets
 * `architecture` replaces the whole architecture, it does not merge into it).
 */
export function resolveConfiguration(
  plans: unknown,
  configuration: string,
  file = 'plans.json',
): Record<string, unknown> {
  const configs = (plans as { configurations?: Record<string, Record<string, unknown>> })?.configurations;
  if (!configs || typeof configs !== 'object')
    throw new TesseraError('bad-plans', file, 'has no "configurations" object');
  const visited: string[] = [];
  const resolve = (name: string): Record<string, unknown> => {
    const own = configs[name];
    if (!own || typeof own !== 'object')
      throw new TesseraError(
        'bad-plans',
        file,
        `has no configuration "${name}" (it has: ${Object.keys(configs).join(', ')})`,
      );
    if (visited.includes(name))
      throw new TesseraError(
        'bad-plans',
        file,
        `configuration inheritance is circular: ${[...visited, name].join(' → ')}`,
      );
    visited.push(name);
    const parent = own.inherits_from;
    if (parent === undefined || parent === null) return structuredClone(own);
    if (typeof parent !== 'string')
      throw new TesseraError('bad-plans', file, `configuration "${name}": "inherits_from" must be a name`);
    return { ...resolve(parent), ...structuredClone(own) };
  };
  return resolve(configuration);
}

/** Configuration names in plans.json. */
export function configurationNames(plans: unknown): string[] {
  const configs = (plans as { configurations?: object })?.configurations;
  return configs && typeof configs === 'object' ? Object.keys(configs) : [];
}
