// Checks shared by the file-based sources (SPEC.md §6: SF_FILE_NOT_FOUND).
import { statSync } from 'node:fs';
import { plainError, typeError, describe } from '../errors.mjs';


/**
 * Throws SF_ARG unless `path` is a string and SF_FILE_NOT_FOUND unless it names
 * an existing file (`kind = 'file'`) or folder (`kind = 'folder'`).
 * @param {unknown} path
 * @param {string} who the source, e.g. 'csv'
 * @param {'file'|'folder'} kind
 */
export function requirePath(path, who, kind) {
  if (typeof path !== 'string') throw typeError('SF_ARG', `${who}(path): path must be a string, got ${describe(path)}`);
  let st = null;
  try {
    st = statSync(path);
  } catch {
    st = null;
  }
  if (st === null || (kind === 'file' ? !st.isFile() : !st.isDirectory())) {
    throw plainError('SF_FILE_NOT_FOUND', `${who}: ${kind} ${path} does not exist or is not a ${kind}; check the path (relative paths in a spec resolve against the spec file's folder)`);
  }
}
