/**
 * An ONNX Runtime peer of the CPU benchmark (see peer.ts for the protocol), run as its own process:
 * `tsx ort-peer.ts <node|web> <threads> <model.onnx> <input.f32> <logits-out.f32>`.
 * `node` is onnxruntime-node (native CPU provider, intra-op threads), `web` is onnxruntime-web's wasm
 * build as Node.js loads it (`env.wasm.numThreads`, worker threads beyond 1). On start it runs one
 * forward pass, writes the logits (float32, the model's NCHW layout) and prints the ready line;
 * then each `forward` request is timed around `session.run` alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

type Ort = { InferenceSession: typeof InferenceSession; Tensor: typeof Tensor };

async function openSession(
  runtime: string,
  threads: number,
  model: string,
): Promise<[Ort, InferenceSession]> {
  if (runtime === 'node') {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return [ort, session];
  }
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(readFileSync(model), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  return [ort, session];
}

async function main([runtime = '', threads = '1', model = '', inputPath = '', logitsOut = '']: string[]) {
  const [ort, session] = await openSession(runtime, Number(threads), model);
  const bytes = readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const side = Math.round(Math.sqrt(data.length / 3));
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, side, side]) };
  const run = () => session.run(feeds);
  const first = await run();
  const logits = first[session.outputNames[0]!]!;
  writeFileSync(logitsOut, new Uint8Array((logits.data as Float32Array).buffer));
  console.log(JSON.stringify({ ready: true, runtime, threads: Number(threads), logitsShape: logits.dims }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'quit') break;
    if (line !== 'forward') {
      console.log(JSON.stringify({ error: `unknown op ${JSON.stringify(line)}` }));
      continue;
    }
    const t0 = performance.now();
    await run();
    console.log(JSON.stringify({ ms: performance.now() - t0 }));
  }
  await session.release();
  process.exit(0);
}

await main(process.argv.slice(2));
