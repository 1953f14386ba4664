/** Characters a POSIX shell reads literally in a word: a value made only of these needs no quotes. */
const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word that stands for `value` exactly, in sh, bash, dash and zsh: left bare when it holds
 * only characters the shell reads literally, else in single quotes, each `'` written as `'\''`.
 * Inside single quotes nothing is special (no `$`, backtick, `\`, glob or newline handling).
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error(`a shell word cannot hold a NUL byte: ${JSON.stringify(value)}`);
  if (plainWord.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line of words, each quoted for the shell. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
