/**
 * Validation of rendered objects against the Kubernetes schemas, without a cluster:
 *   - kubernetes-models (the OpenAPI schemas compiled to validators): unknown kinds, wrong types,
 *     missing required fields;
 *   - unknown field names (`replicaz`, `livenessprobe`), which those validators let through: every
 *     key is looked up in kubernetes-models' TypeScript declarations of the same schemas.
 */
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { K8sObject, ROOT } from './manifests';

interface ModelClass {
  new (data: object): { validate(): void };
}

function modulePath(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  try {
    return (require(modulePath(apiVersion, kind)) as Record<string, ModelClass>)[kind];
  } catch {
    return undefined;
  }
}

/** Schema violations of one object: type errors, missing required fields, unknown kind. */
export function schemaErrors(obj: K8sObject): string[] {
  const where = `${obj.kind ?? '?'} ${obj.metadata?.name ?? '?'}`;
  const Model =
    typeof obj.apiVersion === 'string' && typeof obj.kind === 'string' ? modelFor(obj.apiVersion, obj.kind) : undefined;
  if (!Model) return [`${where}: unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: Array<{ instancePath: string; message?: string; params?: object }> }).errors;
    if (!errors) return [`${where}: ${(err as Error).message}`];
    return errors.map((e) =>
      `${where}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params ?? {})}`.trim(),
    );
  }
}

/**
 * Finds keys that the schema of their position does not declare, by walking each object alongside
 * the TypeScript type of its kind (one program over the kinds asked for, built once).
 */
export class UnknownFieldChecker {
  private readonly checker: ts.TypeChecker;
  private readonly types = new Map<string, ts.Type>();

  constructor(kinds: Array<{ apiVersion: string; kind: string }>) {
    const unique = [...new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()].filter((k) =>
      modelFor(k.apiVersion, k.kind),
    );
    const fileName = join(ROOT, 'tests/deploy/src/__kubernetes-types__.ts');
    const source = unique
      .map(
        (k, i) =>
          `import type { I${k.kind} as T${i} } from '${modulePath(k.apiVersion, k.kind)}';\nexport type K${i} = T${i};`,
      )
      .join('\n');
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2021,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const original = { getSourceFile: host.getSourceFile, fileExists: host.fileExists, readFile: host.readFile };
    host.getSourceFile = (name, lang, ...rest) =>
      name === fileName
        ? ts.createSourceFile(name, source, lang)
        : original.getSourceFile.call(host, name, lang, ...rest);
    host.fileExists = (name) => name === fileName || original.fileExists.call(host, name);
    host.readFile = (name) => (name === fileName ? source : original.readFile.call(host, name));
    host.getCurrentDirectory = () => dirname(fileName);
    const program = ts.createProgram([fileName], options, host);
    this.checker = program.getTypeChecker();
    const file = program.getSourceFile(fileName);
    if (!file) throw new Error('could not load the kubernetes-models declarations');
    const aliases = file.statements.filter(ts.isTypeAliasDeclaration);
    unique.forEach((k, i) => {
      const alias = aliases.find((a) => a.name.text === `K${i}`);
      const type = alias && this.checker.getTypeAtLocation(alias.name);
      if (!type || !this.checker.getPropertiesOfType(type).length)
        throw new Error(`no declaration for ${k.apiVersion}/${k.kind}`);
      this.types.set(`${k.apiVersion}/${k.kind}`, type);
    });
  }

  unknownFields(obj: K8sObject): string[] {
    const type = this.types.get(`${obj.apiVersion}/${obj.kind}`);
    if (!type) return [];
    const where = `${obj.kind} ${obj.metadata?.name}`;
    return this.walk(obj, type, '').map((path) => `${where}: unknown field ${path}`);
  }

  private walk(value: unknown, type: ts.Type, path: string): string[] {
    if (value === null || typeof value !== 'object') return [];
    const members = this.objectMembers(type);
    if (Array.isArray(value)) {
      const element = members.map((m) => m.getNumberIndexType()).find((t): t is ts.Type => !!t);
      return element ? value.flatMap((item, i) => this.walk(item, element, `${path}[${i}]`)) : [];
    }
    if (!members.length) return [];
    const index = members.map((m) => m.getStringIndexType()).find((t): t is ts.Type => !!t);
    return Object.entries(value).flatMap(([key, child]) => {
      const prop = members.map((m) => m.getProperty(key)).find((p): p is ts.Symbol => !!p);
      const childPath = `${path}.${key}`;
      if (prop) return this.walk(child, this.checker.getTypeOfSymbol(prop), childPath);
      if (index) return this.walk(child, index, childPath);
      return [childPath.slice(1)];
    });
  }

  /** The object-like members of a type (an optional property's type is `T | undefined`). */
  private objectMembers(type: ts.Type): ts.Type[] {
    const parts = type.isUnion() ? type.types : [type];
    return parts.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0 || t.isIntersection());
  }
}
