/**
 * The code blocks of a Markdown file. A fence's info string gives the language and, after it, the
 * optional words the README check reads: `browser` (runs in a browser only: bundled for browsers,
 * not run), `own-backend` (its subject is choosing the backend: run only as written, not on a
 * preloaded one) and `no-run` (needs a file the reader brings, or a fragment; neither run nor bundled).
 */
// A fence may be indented (a block inside a list item); its lines lose that indentation.
const FENCE = /^( *)```(\S*)([^\n]*)\n([\s\S]*?)^\1```\s*$/gm;
const RUNNABLE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** The TypeScript / JavaScript blocks: `{ line, language, mode: 'node'|'own-backend'|'browser'|'skip', code }`. */
export function codeBlocks(markdown) {
  const blocks = [];
  for (const m of markdown.matchAll(FENCE)) {
    const [, indent, info, rest, body] = m;
    const language = info.toLowerCase();
    if (!RUNNABLE.has(language)) continue;
    const words = rest.trim().split(/\s+/);
    const mode = words.includes('no-run')
      ? 'skip'
      : (['browser', 'own-backend'].find((w) => words.includes(w)) ?? 'node');
    const line = markdown.slice(0, m.index).split('\n').length;
    const code = body.replace(new RegExp(`^ {0,${indent.length}}`, 'gm'), '');
    blocks.push({ line, language, mode, code });
  }
  return blocks;
}

/** The packages an `npm i ...` / `npm install ...` line of the README names (flags left out). */
export function installLine(markdown) {
  const m = markdown.match(/^npm (?:i|install) (.+)$/m);
  return m ? m[1].split(/\s+/).filter((w) => w && !w.startsWith('-')) : [];
}
