/** Words systemd takes literally without quotes: no whitespace, quote, backslash, `%`, `$` or `;`. */
const plainSystemdWord = /^[A-Za-z0-9_@+=:,./-]+$/;

/**
 * One word of an ExecStart= command line: double-quoted unless plain, with `\` and `"` escaped,
 * `%` doubled (specifiers) and `$` doubled (environment variable expansion).
 */
export function systemdExecWord(word: string): string {
  if (plainSystemdWord.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** An `Environment=` assignment: quoted when needed, `%` doubled; systemd does not expand `$` there. */
export function systemdEnvironmentAssignment(name: string, value: string): string {
  const assignment = `${name}=${value}`;
  if (plainSystemdWord.test(assignment)) return assignment;
  return `"${assignment.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** A directive value that is a path: specifiers expanded, so `%` is doubled. */
export function systemdPath(path: string): string {
  return path.replace(/%/g, '%%');
}

/** A POSIX sh word: single quotes, each `'` closed, escaped and reopened. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
