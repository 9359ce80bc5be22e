// The published types against what the binding does, read from pkg/cartsense.d.ts with the
// TypeScript compiler:
// - every option object and spec: the keys the binding reads (recorded by a Proxy around an
//   example built from the declared type) are exactly the declared properties, nested ones
//   included. A key read but not declared (`popular()` reading `minPrice` typed with a two-key
//   interface), or declared but never read, fails.
// - every result: the object a call returns has exactly the declared keys, each of the
//   declared type (literal unions included), for every method of `Recommender`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import ts from 'typescript';
import * as cartsense from 'cartsense';
import { Recommender, buildPack } from 'cartsense';

const require = createRequire(import.meta.url);
const dtsPath = require.resolve('cartsense').replace(/node\.js$/, 'cartsense.d.ts');
const program = ts.createProgram([dtsPath], { strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'] });
const checker = program.getTypeChecker();
const dts = program.getSourceFile(dtsPath)!;
const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(dts)!);
const exportNamed = (name: string) => {
  const s = exported.find((e) => e.name === name);
  assert.ok(s, `cartsense.d.ts exports ${name}`);
  return s;
};

/** An interface (or type) declared in cartsense.d.ts, as opposed to a lib type. */
function isOurs(t: ts.Type): boolean {
  const decl = (t.aliasSymbol ?? t.getSymbol())?.declarations?.[0];
  return decl?.getSourceFile() === dts && (t.getFlags() & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(t);
}

const propType = (p: ts.Symbol) => checker.getNonNullableType(checker.getTypeOfSymbol(p));
const isOptional = (p: ts.Symbol) => (p.getFlags() & ts.SymbolFlags.Optional) !== 0;
const elementOf = (t: ts.Type) => checker.getTypeArguments(t as ts.TypeReference)[0];
const show = (t: ts.Type) => checker.typeToString(t);

/** Property paths of an option type: `opts.k`, `spec.foldIn.lambda`, `orders[].items`, ... */
function declared(t: ts.Type, path: string, out: Set<string>): Set<string> {
  if (checker.isArrayType(t)) return declared(elementOf(t), `${path}[]`, out);
  if (!isOurs(t)) return out;
  for (const p of checker.getPropertiesOfType(t)) {
    out.add(`${path}.${p.name}`);
    declared(propType(p), `${path}.${p.name}`, out);
  }
  return out;
}

/** A value of type `t` (right JS types, not necessarily valid values); objects of our types
 * are Proxies that add every key read to `reads`. */
function example(t: ts.Type, path: string, reads: Set<string>): unknown {
  t = checker.getNonNullableType(t);
  if (t.isUnion()) {
    const arrays = t.types.filter((m) => checker.isArrayType(m));
    return example(arrays[0] ?? t.types[0], path, reads); // `Float32Array | number[]`: the array; `'f32' | 'int8'`: the first
  }
  if (t.isStringLiteral() || t.isNumberLiteral()) return t.value;
  if (t.getFlags() & ts.TypeFlags.String) return 'a';
  if (t.getFlags() & ts.TypeFlags.Number) return 1;
  if (t.getFlags() & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) return true;
  if (checker.isArrayType(t)) return [example(elementOf(t), `${path}[]`, reads)];
  if (show(t).startsWith('Uint8Array')) return pack;
  if (!isOurs(t)) return {}; // Record<string, unknown>
  const target: Record<string, unknown> = {};
  for (const p of checker.getPropertiesOfType(t)) target[p.name] = example(propType(p), `${path}.${p.name}`, reads);
  return new Proxy(target, {
    get(o, key, receiver) {
      if (typeof key === 'string') reads.add(`${path}.${key}`);
      return Reflect.get(o, key, receiver);
    },
  });
}

const ids = ['a', 'b', 'c', 'd'];
const pack = buildPack({
  ids, dims: 2, embeddings: [1, 0, 0.9, 0.1, 0, 1, 0.2, 0.8], titles: ids, prices: [1, 2, 3, 4],
  categories: ['x', 'y', 'x', 'y'], neighbours: { offsets: [0, 1, 2, 2, 2], index: [1, 0], weight: [1, 1] },
});

/** The exported functions and methods, with their declared signatures and a way to call them. */
function callables(): { name: string; signature: ts.Signature; call: (args: unknown[]) => unknown }[] {
  const out = [];
  const cls = exportNamed('Recommender');
  const rec = Recommender.fromBytes(pack);
  for (const p of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(cls))) {
    const [signature] = checker.getTypeOfSymbol(p).getCallSignatures();
    if (!signature || p.name === 'free' || p.name.startsWith('__@')) continue;
    const f = (rec as unknown as Record<string, (...a: unknown[]) => unknown>)[p.name];
    out.push({ name: `rec.${p.name}`, signature, call: (args: unknown[]) => f.apply(rec, args) });
  }
  for (const p of checker.getPropertiesOfType(checker.getTypeOfSymbol(cls))) {
    const [signature] = checker.getTypeOfSymbol(p).getCallSignatures();
    if (!signature || p.name === 'prototype') continue;
    const f = (Recommender as unknown as Record<string, (...a: unknown[]) => unknown>)[p.name];
    out.push({ name: `Recommender.${p.name}`, signature, call: (args: unknown[]) => f.apply(Recommender, args) });
  }
  const [signature] = checker.getTypeOfSymbol(exportNamed('buildPack')).getCallSignatures();
  out.push({ name: 'buildPack', signature, call: (args: unknown[]) => buildPack(...(args as [cartsense.PackSpec])) });
  return out;
}

test('every option object: the binding reads exactly the declared keys', () => {
  const checked: string[] = [];
  for (const { name, signature, call } of callables()) {
    const reads = new Set<string>();
    const want = new Set<string>();
    const args = signature.getParameters().map((p) => {
      const t = propType(p);
      declared(t, p.name, want);
      return example(t, p.name, reads);
    });
    if (want.size === 0) continue;
    try {
      call(args);
    } catch (e) {
      // A value the core refuses is fine here (the examples have the right types, not valid
      // values): every field was read before it was checked.
      assert.equal((e as { code?: string }).code, 'BAD_ARGUMENT', `${name}: ${e}`);
    }
    assert.deepEqual([...reads].sort(), [...want].sort(), `${name}: keys read vs declared in cartsense.d.ts`);
    checked.push(name);
  }
  for (const m of ['rec.recommend', 'rec.similar', 'rec.popular', 'rec.buyAgain', 'rec.completeCart',
    'rec.frequentlyBoughtTogether', 'rec.bundles', 'rec.importOrders', 'Recommender.fromBytes', 'buildPack']) {
    assert.ok(checked.includes(m), `${m} has an options type that was checked`);
  }
});

/** Problems of `v` against type `t`, at `path`. */
function mismatches(v: unknown, t: ts.Type, path: string): string[] {
  if (t.isUnion()) {
    const each = t.types.map((m) => mismatches(v, m, path));
    return each.some((p) => p.length === 0) ? [] : [`${path}: ${JSON.stringify(v)} is not ${show(t)}`];
  }
  const f = t.getFlags();
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return [];
  if (f & ts.TypeFlags.Undefined) return v === undefined ? [] : [`${path}: not undefined`];
  if (f & ts.TypeFlags.Void) return v === undefined ? [] : [`${path}: returned ${typeof v}, not void`];
  if (t.isStringLiteral() || t.isNumberLiteral()) return v === t.value ? [] : [`${path}: ${JSON.stringify(v)} is not ${show(t)}`];
  if (f & ts.TypeFlags.BooleanLiteral) return v === (show(t) === 'true') ? [] : [`${path}: not ${show(t)}`];
  if (f & ts.TypeFlags.String) return typeof v === 'string' ? [] : [`${path}: ${typeof v}, not string`];
  if (f & ts.TypeFlags.Number) return typeof v === 'number' ? [] : [`${path}: ${typeof v}, not number`];
  if (f & ts.TypeFlags.Boolean) return typeof v === 'boolean' ? [] : [`${path}: ${typeof v}, not boolean`];
  if (checker.isArrayType(t)) {
    if (!Array.isArray(v)) return [`${path}: not an array`];
    return v.flatMap((x, i) => mismatches(x, elementOf(t), `${path}[${i}]`));
  }
  if (!isOurs(t)) {
    const ctor = (globalThis as Record<string, unknown>)[show(t).replace(/<.*/, '')];
    if (typeof ctor === 'function') return v instanceof ctor ? [] : [`${path}: not a ${show(t)}`];
    return typeof v === 'object' && v !== null ? [] : [`${path}: not an object`]; // Record<string, unknown>
  }
  if (typeof v !== 'object' || v === null) return [`${path}: not an object (${show(t)})`];
  const props = checker.getPropertiesOfType(t);
  const out = Object.keys(v).filter((k) => !props.some((p) => p.name === k)).map((k) => `${path}.${k}: not declared in ${show(t)}`);
  for (const p of props) {
    const x = (v as Record<string, unknown>)[p.name];
    if (!(p.name in v)) {
      if (!isOptional(p)) out.push(`${path}.${p.name}: missing (declared in ${show(t)})`);
    } else {
      out.push(...mismatches(x, checker.getTypeOfSymbol(p), `${path}.${p.name}`));
    }
  }
  return out;
}

test('every result has exactly the declared shape', () => {
  const rec = Recommender.fromBytes(pack, { maxEvents: 50 });
  rec.importOrders([{ items: ['c', 'd'], at: 1 }]);
  rec.view('a', 2);
  rec.addToCart('b', 3);
  // Arguments per method, in the order they are called: a method added to the binding fails
  // this test until it is here. The lists must not be empty (an empty list fits any type).
  const calls: Record<string, unknown[]> = {
    view: ['a', 4], addToCart: ['b', 5], removeFromCart: ['x', 6], purchase: [['x'], 7], cart: [], history: [],
    exportHistory: [], importHistory: [rec.exportHistory()], importOrders: [[{ items: ['d'], at: 8 }]],
    purchaseRecord: [], buyAgain: [{ k: 2 }], recommend: [{ k: 2 }], similar: ['a', { k: 2 }], popular: [{ k: 2 }],
    completeCart: [{ k: 2, freeShippingThreshold: 100 }], frequentlyBoughtTogether: ['a'],
    bundles: [{ anchor: 'a', size: 2 }], item: ['a'], categories: [], meta: [], clearHistory: [],
  };
  const nonEmpty = ['cart', 'history', 'purchaseRecord', 'buyAgain', 'recommend', 'similar', 'popular',
    'frequentlyBoughtTogether', 'bundles', 'categories'];
  const methods = new Map<string, ts.Signature>();
  const problems: string[] = [];
  for (const p of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(exportNamed('Recommender')))) {
    const [signature] = checker.getTypeOfSymbol(p).getCallSignatures();
    if (signature) {
      if (p.name !== 'free' && !p.name.startsWith('__@')) methods.set(p.name, signature);
    } else {
      // Getters: itemCount, dims, currency, persistent.
      problems.push(...mismatches((rec as unknown as Record<string, unknown>)[p.name], checker.getTypeOfSymbol(p), `rec.${p.name}`));
    }
  }
  assert.deepEqual([...methods.keys()].sort(), Object.keys(calls).sort(), 'the methods of cartsense.d.ts are the ones called here');
  const call = (name: string, args: unknown[]) =>
    (rec as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(rec, args);
  for (const [name, args] of Object.entries(calls)) {
    const got = call(name, args);
    if (nonEmpty.includes(name)) assert.ok(Array.isArray(got) && got.length > 0, `rec.${name}() returned a non-empty list`);
    problems.push(...mismatches(got, methods.get(name)!.getReturnType(), `rec.${name}()`));
  }
  problems.push(...mismatches(rec.item('nope'), methods.get('item')!.getReturnType(), 'rec.item(unknown id)'));
  assert.deepEqual(problems, []);
});
