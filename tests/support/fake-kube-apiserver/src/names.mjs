// The syntax rules of k8s.io/apimachinery/pkg/util/validation: object names, label keys and
// values, data keys. Each returns an error message, or null when the value is valid.

const label1123 = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelRe = new RegExp(`^${label1123}$`);
const dns1123SubdomainRe = new RegExp(`^${label1123}(\\.${label1123})*$`);
const dns1035LabelRe = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const configKeyRe = /^[-._a-zA-Z0-9]+$/;

export function dns1123Label(value) {
  if (value.length > 63) return "must be no more than 63 characters";
  if (!dns1123LabelRe.test(value)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
           "and must start and end with an alphanumeric character";
  }
  return null;
}

export function dns1123Subdomain(value) {
  if (value.length > 253) return "must be no more than 253 characters";
  if (!dns1123SubdomainRe.test(value)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
           "and must start and end with an alphanumeric character";
  }
  return null;
}

export function dns1035Label(value) {
  if (value.length > 63) return "must be no more than 63 characters";
  if (!dns1035LabelRe.test(value)) {
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', " +
           "start with an alphabetic character, and end with an alphanumeric character";
  }
  return null;
}

export const nameRules = { dns1123Label, dns1123Subdomain, dns1035Label };

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63. */
export function qualifiedName(value) {
  const parts = value.split("/");
  if (parts.length > 2) return "a qualified name must have at most one '/'";
  const name = parts.at(-1);
  if (parts.length === 2) {
    if (parts[0].length === 0) return "prefix part must be non-empty";
    const prefixError = dns1123Subdomain(parts[0]);
    if (prefixError) return `prefix part ${prefixError}`;
  }
  if (name.length === 0) return "name part must be non-empty";
  if (name.length > 63) return "name part must be no more than 63 characters";
  if (!qualifiedNameRe.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', " +
           "and must start and end with an alphanumeric character";
  }
  return null;
}

export function labelValue(value) {
  if (typeof value !== "string") return "must be a string";
  if (value.length > 63) return "must be no more than 63 characters";
  if (value.length > 0 && !qualifiedNameRe.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
           "and must start and end with an alphanumeric character";
  }
  return null;
}

/** Keys of Secret and ConfigMap data. */
export function configKey(value) {
  if (value.length > 253) return "must be no more than 253 characters";
  if (!configKeyRe.test(value)) return "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
  return null;
}
