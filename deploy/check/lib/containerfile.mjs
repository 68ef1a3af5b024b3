// Static checks of a Containerfile, since no container engine runs here to build it: stages that
// COPY --from names exist, base images pinned to a tag, a numeric non-root USER in the final
// stage, nothing fetched with ADD from a URL, no secret-looking ENV/ARG values.

// Instructions as [{line, keyword, args}], continuation lines joined, comments dropped.
export function parseContainerfile(text) {
  const instructions = [];
  const lines = text.split("\n");
  let pending = null;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (pending === null && /^\s*(#.*)?$/.test(line)) return;
    if (pending !== null && /^\s*#/.test(line)) return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, "") : line;
    if (pending === null) pending = { line: index + 1, text: body };
    else pending.text += ` ${body.trim()}`;
    if (!continued) {
      const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(pending.text);
      if (match) instructions.push({ line: pending.line, keyword: match[1].toUpperCase(), args: match[2].trim() });
      pending = null;
    }
  });
  return instructions;
}

function imagePinned(image) {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon > 0 && last.slice(colon + 1) !== "" && last.slice(colon + 1) !== "latest";
}

const secretLikeName = /(TOKEN|PASSWORD|PASSWD|SECRET|KEYRING|API_KEY|PRIVATE_KEY)/i;

// Returns [{line, message}].
export function containerfileProblems(text) {
  const problems = [];
  const stages = []; // {name, line, user, exposes, labels}
  const args = new Map(); // ARG defaults before the first FROM, usable in FROM
  for (const ins of parseContainerfile(text)) {
    const add = (message) => problems.push({ line: ins.line, message });
    if (ins.keyword === "ARG" && stages.length === 0) {
      const [name, value] = ins.args.split("=");
      args.set(name.trim(), value?.trim());
    }
    if (ins.keyword === "FROM") {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      let image = words[0] ?? "";
      image = image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name) => args.get(name) ?? whole);
      const alias = words[1]?.toUpperCase() === "AS" ? words[2]?.toLowerCase() : undefined;
      const earlier = stages.some((s) => s.name === image.toLowerCase());
      if (image.includes("$")) add(`FROM ${words[0]}: an ARG without a default`);
      else if (!earlier && image !== "scratch" && !imagePinned(image)) {
        add(`FROM ${image}: pin the base image to a tag (not latest) or a digest`);
      }
      stages.push({ name: alias, line: ins.line, user: undefined, exposes: false, labels: "" });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage && ins.keyword !== "ARG") {
      add(`${ins.keyword} before the first FROM`);
      continue;
    }
    switch (ins.keyword) {
      case "COPY": {
        const from = /--from=(\S+)/.exec(ins.args)?.[1];
        if (from !== undefined) {
          const index = /^\d+$/.test(from) ? Number(from) : -1;
          const named = stages.slice(0, -1).some((s) => s.name === from.toLowerCase());
          if (!named && !(index >= 0 && index < stages.length - 1)) {
            add(`COPY --from=${from}: no earlier build stage has that name`);
          }
        }
        break;
      }
      case "ADD":
        if (/(^|\s)(https?|ftp):\/\//i.test(ins.args) || /(^|\s)git@/.test(ins.args)) {
          add("ADD from a URL: fetch in a RUN step with a checksum, or COPY a file from the context");
        }
        break;
      case "USER":
        stage.user = { value: ins.args, line: ins.line };
        break;
      case "EXPOSE":
        stage.exposes = true;
        break;
      case "LABEL":
        stage.labels += ` ${ins.args}`;
        break;
      case "ENV":
      case "ARG": {
        for (const match of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
          if (secretLikeName.test(match[1]) && match[2].replace(/"/g, "") !== "") {
            add(`${ins.keyword} ${match[1]}: no secret values in an image; give them at run time`);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  if (stages.length < 2) problems.push({ line: 1, message: "expected a multi-stage build (a build stage and a runtime stage)" });
  const final = stages[stages.length - 1];
  if (final) {
    if (!final.user) {
      problems.push({ line: final.line, message: "the final stage sets no USER: it would run as root" });
    } else {
      const match = /^(\d+)(:(\d+))?$/.exec(final.user.value);
      if (!match) problems.push({ line: final.user.line, message: `USER ${final.user.value}: use a numeric UID[:GID], so that runAsNonRoot can verify it` });
      else if (match[1] === "0") problems.push({ line: final.user.line, message: "USER 0 is root" });
    }
    if (!final.exposes) problems.push({ line: final.line, message: "the final stage has no EXPOSE" });
    if (!final.labels.includes("org.opencontainers.image.title")) {
      problems.push({ line: final.line, message: "the final stage has no org.opencontainers.image.title LABEL" });
    }
  }
  return problems;
}
