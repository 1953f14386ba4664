/** One thing wrong with a deployment model. */
export interface ConfigIssue {
  /** Where: a dotted path into the model, e.g. `engram.memorySpaces.bootstrapSpaces[1]`; `(root)` for the model itself. */
  path: string;
  /** What is wrong, and for rules the schema cannot express, why. */
  message: string;
  /** What would be accepted. */
  expected: string;
  /** What was given (JSON), or `nothing` when a value is missing. */
  given: string;
}

/** `path: message (expected ..., given ...)`, one line per issue. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message} (expected ${issue.expected}, given ${issue.given})`;
}

/** JSON of a given value, shortened so one huge value does not drown the report. */
export function describeGiven(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Thrown by loaders and generators given an invalid model; its message lists every issue. */
export class ConfigValidationError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `${source} is not a valid Engram deployment model (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}):\n` +
        issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}
