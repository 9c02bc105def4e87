// A jest environment for suites that run onnxruntime-node in-process: the native runtime hands back
// typed arrays of Node's own realm, which onnxruntime's Tensor checks with `instanceof` against the
// test sandbox's constructors. Giving the sandbox Node's constructors makes both the same, as they are
// outside jest. Opted into per file with a `@jest-environment` docblock.
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const TYPED_ARRAYS = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'Uint8ClampedArray',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
];

class NativeTypedArraysEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = NativeTypedArraysEnvironment;
