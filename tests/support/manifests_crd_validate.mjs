// Validates custom resources against the CRD schemas published on npm by kubernetes-models
// (@kubernetes-models/gateway-api, /istio, /traefik). Those packages ship each CRD's OpenAPI
// schema compiled into a standalone validate function (Ajv), not as JSON, so the Python tests
// call this script once per session: JSON in on stdin, JSON out on stdout.
//
// Input:  {"packages": {"<API group>": "<npm name>"}, "documents": [{"id": "...", "doc": {...}}]}
// Output: {"packages": {"<npm name>": "<version>" | null}, "results": {"<id>": ["error", ...]}}
//
// Unknown fields: the API server (strict field validation, kubectl's default since 1.27)
// rejects fields a structural CRD schema does not declare, except under
// x-kubernetes-preserve-unknown-fields. The compiled validators have no
// additionalProperties: false, so we watch which keys they look up: a validator reads every
// property its schema declares (present or not) and enumerates the keys of maps. A key of an
// object that the validator inspected but never looked up is therefore not in the schema. An
// object none of whose keys was looked up is free-form (preserve-unknown-fields) and skipped.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";


function findPackageDir(name) {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function packageVersion(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

// Wraps data so that every key lookup and key enumeration is recorded per object.
function track(value, where, seen) {
  if (value === null || typeof value !== "object") return value;
  const record = { looked: new Set(), enumerated: false };
  seen.set(where, record);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") record.looked.add(key);
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(target, key)) {
        return child;
      }
      if (!children.has(key)) children.set(key, track(child, `${where}/${key}`, seen));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === "string") record.looked.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(value, where, seen, out) {
  if (value === null || typeof value !== "object") return;
  const record = seen.get(where);
  if (!record) return; // never reached by the validator: nothing to say about it
  if (!Array.isArray(value) && !record.enumerated && record.looked.size > 0) {
    for (const key of Object.keys(value)) {
      if (!record.looked.has(key)) {
        out.push(`unknown field "${dotted(`${where}/${key}`)}"`);
      }
    }
  }
  for (const key of Object.keys(value)) unknownFields(value[key], `${where}/${key}`, seen, out);
}

// "/spec/rules/0/weight" -> "spec.rules[0].weight", the form kubectl prints.
function dotted(pointer) {
  let out = "";
  for (const part of pointer.split("/").filter((p) => p !== "")) {
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

function describe(error) {
  const where = dotted(error.instancePath) || "(root)";
  const p = error.params || {};
  switch (error.keyword) {
    case "required":
      return `${where}: missing required field "${p.missingProperty}"`;
    case "enum":
      return `${where}: must be one of ${JSON.stringify(p.allowedValues)}`;
    case "type":
      return `${where}: must be of type ${p.type}`;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `${where}: must be ${p.comparison} ${p.limit}`;
    case "pattern":
      return `${where}: must match pattern ${p.pattern}`;
    case "format":
      return `${where}: must match format "${p.format}"`;
    case "maxLength":
    case "minLength":
    case "maxItems":
    case "minItems":
      return `${where}: ${error.keyword} ${p.limit}`;
    default:
      return `${where}: fails schema rule "${error.keyword}" ${JSON.stringify(p)}`;
  }
}

async function validatorFor(pkgDir, group, version, kind) {
  // Each served kind is a model file <group>/<version>/<Kind>.js whose class carries the kind
  // and apiVersion and points at its compiled schema in _schemas/.
  const model = path.join(pkgDir, group, version, `${kind}.js`);
  if (!fs.existsSync(model)) return null;
  const source = fs.readFileSync(model, "utf8");
  if (!source.includes(`this.kind="${kind}"`) || !source.includes(`"${group}/${version}"`)) {
    return null;
  }
  const match = source.match(/from"(\.\.\/\.\.\/_schemas\/[A-Za-z0-9]+\.js)"/);
  if (!match) return null;
  const schemaFile = path.join(path.dirname(model), match[1]);
  const mod = await import(pathToFileURL(schemaFile).href);
  return mod.validate;
}

function servedVersions(pkgDir, group, kind) {
  const dir = path.join(pkgDir, group);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((v) => fs.existsSync(path.join(dir, v, `${kind}.js`)))
    .sort();
}

async function main() {
  // PACKAGES maps an API group to the npm package carrying its CRD schemas (CRD_PACKAGES in
  // manifests_rules.py, the one place it is written).
  const { packages: PACKAGES, documents: input } = JSON.parse(fs.readFileSync(0, "utf8"));
  const packages = {};
  for (const name of new Set(Object.values(PACKAGES))) {
    const dir = findPackageDir(name);
    packages[name] = dir ? packageVersion(dir) : null;
  }
  const results = {};
  for (const { id, doc } of input) {
    const errors = [];
    results[id] = errors;
    const [group, version] = String(doc.apiVersion).split("/");
    const name = PACKAGES[group];
    if (!name) {
      errors.push(`no npm schema package is mapped for API group "${group}"`);
      continue;
    }
    const pkgDir = findPackageDir(name);
    if (!pkgDir) {
      errors.push(`schema package ${name} is not installed`);
      continue;
    }
    const validate = await validatorFor(pkgDir, group, version, doc.kind);
    if (!validate) {
      const served = servedVersions(pkgDir, group, doc.kind).map((v) => `${group}/${v}`);
      errors.push(
        `kind ${doc.kind} is not served at apiVersion ${doc.apiVersion} by the CRDs in ` +
          `${name}@${packages[name]} (served: ${served.join(", ") || "none"})`,
      );
      continue;
    }
    const seen = new Map();
    const ok = validate(track(doc, "", seen));
    if (!ok) {
      for (const error of validate.errors || []) errors.push(describe(error));
    } else {
      unknownFields(doc, "", seen, errors);
    }
  }
  process.stdout.write(JSON.stringify({ packages, results }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(2);
});
