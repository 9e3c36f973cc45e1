// A run's change as a person reads it: an item whose values changed is one item with a field-by-field
// diff, not "one removed, one added". Items are matched by a stable key: the field that identifies
// them (id, url, link…, else any field whose values are unique on both sides and shared by them).

const PREFERRED = ["id", "key", "guid", "uuid", "url", "link", "href", "permalink", "slug", "name", "title"];

const isRecord = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const text = (value) => JSON.stringify(value ?? null);

function candidates(items) {
  if (!items.length || !items.every(isRecord)) return [];
  const shared = Object.keys(items[0]).filter((name) => items.every((item) =>
    name in item && item[name] !== null && typeof item[name] !== "object"));
  const rank = (name) => (PREFERRED.includes(name.toLowerCase()) ? PREFERRED.indexOf(name.toLowerCase()) : PREFERRED.length);
  return shared.sort((a, b) => rank(a) - rank(b));
}

const unique = (items, name) => new Set(items.map((item) => text(item[name]))).size === items.length;

/** The field that matches removed items to added ones, or null when none does. */
export function stableKey(added, removed) {
  if (!added.length || !removed.length) return null;
  for (const name of candidates([...added, ...removed])) {
    if (!unique(added, name) || !unique(removed, name)) continue;
    const before = new Set(removed.map((item) => text(item[name])));
    if (added.some((item) => before.has(text(item[name])))) return name;
  }
  return null;
}

/**
 * `{key, changed: [{key value, before, after, fields: [{name, before, after}]}], added, removed}`:
 * the pairs that share a key value, and what is left on each side.
 */
export function diffItems(added = [], removed = []) {
  const key = stableKey(added, removed);
  if (!key) return { key: null, changed: [], added, removed };
  const gone = new Map(removed.map((item) => [text(item[key]), item]));
  const changed = [];
  const left = [];
  for (const item of added) {
    const before = gone.get(text(item[key]));
    if (!before) {
      left.push(item);
      continue;
    }
    gone.delete(text(item[key]));
    const names = [...new Set([...Object.keys(before), ...Object.keys(item)])];
    changed.push({
      id: item[key], before, after: item,
      fields: names.filter((name) => text(before[name]) !== text(item[name]))
        .map((name) => ({ name, before: before[name], after: item[name] })),
    });
  }
  return { key, changed, added: left, removed: [...gone.values()] };
}
