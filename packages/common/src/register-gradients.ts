/**
 * Makes sure TF.js's gradients are registered.
 *
 * `@tensorflow/tfjs-core` alone registers none in Node.js: its `register_all_gradients` module is
 * ESM with extension-less imports, which plain Node ESM cannot load. `@tensorflow/tfjs-layers`
 * registers all of them in both of its builds (its Node CommonJS bundle inlines them; its ESM build
 * imports them, which bundlers resolve), so importing it for its side effect is enough everywhere.
 */
import '@tensorflow/tfjs-layers';
