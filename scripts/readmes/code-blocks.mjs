/**
 * The code blocks of a Markdown file. A fence's info string gives the language and, after it, the
 * optional words the README check reads: `browser` (runs in a browser only: bundled for browsers,
 * not run) and `no-run` (a fragment such as a signature; neither run nor bundled).
 */
const FENCE = /^```(\S*)([^\n]*)\n([\s\S]*?)^```\s*$/gm;
const RUNNABLE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** The TypeScript / JavaScript blocks: `{ line, language, mode: 'node'|'browser'|'skip', code }`. */
export function codeBlocks(markdown) {
  const blocks = [];
  for (const m of markdown.matchAll(FENCE)) {
    const language = m[1].toLowerCase();
    if (!RUNNABLE.has(language)) continue;
    const words = m[2].trim().split(/\s+/);
    const mode = words.includes('no-run') ? 'skip' : words.includes('browser') ? 'browser' : 'node';
    const line = markdown.slice(0, m.index).split('\n').length;
    blocks.push({ line, language, mode, code: m[3] });
  }
  return blocks;
}

/** The packages an `npm i ...` / `npm install ...` line of the README names (flags left out). */
export function installLine(markdown) {
  const m = markdown.match(/^npm (?:i|install) (.+)$/m);
  return m ? m[1].split(/\s+/).filter((w) => w && !w.startsWith('-')) : [];
}
