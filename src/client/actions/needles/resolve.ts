/**
 * Which needle files a command-line word means: a path (NAME.json, or NAME with the .json left out), a name in
 * the needles folder (DIR/NAME.json), or an openQA-style tag: every needle JSON under DIR whose `tags` hold the
 * word. Checked before connecting: a word that names nothing is a usage error listing where it was looked for.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';
import {SpiceError} from '../../errors.js';
import {loadNeedle, type Needle} from './needle.js';

export interface ResolvedNeedle {
  /** The word given. */
  ref: string;
  /** How it was found. */
  by: 'path' | 'name' | 'tag';
  file: string;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** Every .json file under `dir` (sorted, subfolders included); none when `dir` does not exist. */
function jsonFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return (readdirSync(dir, {recursive: true}) as string[])
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(dir, f))
    .sort();
}

/** The tags of a needle JSON, or none when it is not one (unreadable, not JSON, no tags array). */
function tagsOf(file: string): string[] {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as {tags?: unknown};
    return Array.isArray(j.tags) ? j.tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** The needle files `refs` name, in order, without duplicates. `dir`: the needles folder (names and tags). */
export function resolveNeedles(refs: readonly string[], dir: string): ResolvedNeedle[] {
  const out: ResolvedNeedle[] = [];
  const seen = new Set<string>();
  const add = (r: ResolvedNeedle) => {
    if (seen.has(r.file)) return;
    seen.add(r.file);
    out.push(r);
  };
  let tagged: Array<{file: string; tags: string[]}> | undefined;
  for (const ref of refs) {
    const bare = ref.replace(/\.(json|png)$/i, '');
    if (isFile(`${bare}.json`)) {
      add({ref, by: 'path', file: `${bare}.json`});
      continue;
    }
    if (!ref.includes('/') && isFile(join(dir, `${bare}.json`))) {
      add({ref, by: 'name', file: join(dir, `${bare}.json`)});
      continue;
    }
    tagged ??= jsonFiles(dir).map((file) => ({file, tags: tagsOf(file)}));
    const withTag = tagged.filter((t) => t.tags.includes(ref));
    if (withTag.length === 0) {
      const shown = relative('.', dir) || '.';
      const named = ref.includes('/') ? '' : `, not ${join(shown, `${bare}.json`)}`;
      const noDir = existsSync(dir) ? '' : ` (${shown}/ does not exist; --needles DIR names the needles folder)`;
      throw new SpiceError('usage', `no needle "${ref}": not a file (${bare}.json)${named}, and no needle in ${shown}/ has the tag "${ref}"${noDir}`);
    }
    for (const t of withTag) add({ref, by: 'tag', file: t.file});
  }
  return out;
}

/** resolveNeedles() and every needle read (JSON and PNG, validated): what the screen commands check before connecting. */
export async function loadNeedles(refs: readonly string[], dir: string): Promise<Needle[]> {
  return Promise.all(resolveNeedles(refs, dir).map((r) => loadNeedle(r.file)));
}

/** The JSON file of a needle given by path, with or without its .json (or given by its .png). */
export function needleFile(path: string): string {
  return path.toLowerCase().endsWith('.json') ? path : `${path.replace(/\.png$/i, '')}.json`;
}
