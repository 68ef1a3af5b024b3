// `labelSelector` and `fieldSelector` query parameters, parsed into predicates over objects.
import { badRequest } from "./status.mjs";

/** Splits on commas outside parentheses: `a in (x,y),b` → [`a in (x,y)`, `b`]. */
function splitTerms(text) {
  const terms = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

function labelTerm(term) {
  let m;
  if ((m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(term))) {
    const [, key, op, value] = m;
    return op === "!=" ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
    const [, key, op, list] = m;
    const values = list.split(",").map((v) => v.trim());
    return op === "in" ? (labels) => values.includes(labels[key])
                       : (labels) => !(key in labels) || !values.includes(labels[key]);
  }
  if ((m = /^!\s*([^\s=!(),]+)$/.exec(term))) return (labels) => !(m[1] in labels);
  if ((m = /^([^\s=!(),]+)$/.exec(term))) return (labels) => m[1] in labels;
  throw badRequest(`unable to parse requirement: ${JSON.stringify(term)}`);
}

/** A predicate over objects; every object matches an absent or empty selector. */
export function parseLabelSelector(text) {
  const tests = splitTerms(text ?? "").map(labelTerm);
  return (object) => {
    const labels = object.metadata?.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

/** Field selectors on any dotted path (the real server allows only a few per kind). */
export function parseFieldSelector(text) {
  const tests = splitTerms(text ?? "").map((term) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
    const [, path, op, value] = m;
    const read = (object) => {
      const found = path.split(".").reduce((v, k) => (v == null ? undefined : v[k]), object);
      return found === undefined || found === null ? "" : String(found);
    };
    return op === "!=" ? (o) => read(o) !== value : (o) => read(o) === value;
  });
  return (object) => tests.every((t) => t(object));
}
