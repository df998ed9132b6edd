// The WebAssembly JavaScript API as far as this project uses it (Node has it; TypeScript declares it only in the
// DOM library, which does not describe Node). See src/memory/population.ts and src/model/clients/kernel.ts.
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    /** A SharedArrayBuffer for a shared memory: the whole memory as it is now (a new object after each grow). */
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    /** Grows by `delta` pages of 64 KiB; returns the previous size in pages. */
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  /** An exported global (the kernel exports its layout constants as immutable ones). */
  class Global {
    constructor(descriptor: { value: 'i32' | 'f64'; mutable?: boolean }, value: number);
    readonly value: number;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
