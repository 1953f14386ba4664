//! A parser for the part of TOML 1.0 that configuration files use.
//!
//! Supported: comments, `[table]` and `[dotted.table]` headers, `[[arrays.of.tables]]`,
//! bare, quoted and dotted keys, basic/literal/multi-line strings, integers (decimal,
//! hex, octal, binary, with `_` separators), floats (including `inf`/`nan`), booleans,
//! arrays (multi-line, trailing comma) and inline tables. Dates and times are rejected
//! with a clear message. Anything malformed is an error with its line and column.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// A TOML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Array(Vec<Value>),
    Table(Table),
}

/// A TOML table; keys sorted.
pub type Table = BTreeMap<String, Value>;

impl Value {
    /// The TOML name of this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// A float, or an integer widened to a float.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Value::Table(table) => Some(table),
            _ => None,
        }
    }
}

/// Looks up a dotted path such as `security.api_keys.storage_path`.
pub fn get<'a>(table: &'a Table, path: &str) -> Option<&'a Value> {
    let mut keys = path.split('.');
    let mut value = table.get(keys.next()?)?;
    for key in keys {
        value = value.as_table()?.get(key)?;
    }
    Some(value)
}

/// Lays `overlay` over `base`: tables merge key by key, any other value replaces.
pub fn merge(base: &mut Table, overlay: &Table) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(Value::Table(base_table)), Value::Table(overlay_table)) => {
                merge(base_table, overlay_table)
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Why a text is not valid TOML (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TOML parse error at line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses a TOML document into its root table.
pub fn parse(text: &str) -> Result<Table, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Parser {
        chars: text.chars().collect(),
        pos: 0,
        root: Table::new(),
        current: Vec::new(),
        defined: HashSet::new(),
    }
    .document()
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    root: Table,
    /// Path of the table that key/value lines go into.
    current: Vec<String>,
    /// Tables opened by a `[header]`; opening one twice is an error.
    defined: HashSet<Vec<String>>,
}

/// An error at character offset `pos`, with its 1-based line and column.
fn locate(chars: &[char], pos: usize, message: impl Into<String>) -> ParseError {
    let before = &chars[..pos.min(chars.len())];
    let line = before.iter().filter(|c| **c == '\n').count() + 1;
    let column = before.iter().rev().take_while(|c| **c != '\n').count() + 1;
    ParseError {
        line,
        column,
        message: message.into(),
    }
}

/// Walks `path` down from `table`, creating missing tables. An array of tables is
/// entered through its last element, as TOML specifies for headers.
fn descend<'t>(mut table: &'t mut Table, path: &[String]) -> Result<&'t mut Table, String> {
    for key in path {
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        table = match entry {
            Value::Table(inner) => inner,
            Value::Array(items) => match items.last_mut() {
                Some(Value::Table(inner)) => inner,
                _ => return Err(format!("key '{key}' is an array, not a table")),
            },
            other => {
                return Err(format!(
                    "key '{key}' is already defined as a {}",
                    other.type_name()
                ))
            }
        };
    }
    Ok(table)
}

impl Parser {
    fn error_at(&self, pos: usize, message: impl Into<String>) -> ParseError {
        locate(&self.chars, pos, message)
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        let mut rest = self.chars.get(self.pos..).unwrap_or(&[]).iter();
        s.chars().all(|c| rest.next() == Some(&c))
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected '{c}'")))
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.pos += 1;
            }
        }
    }

    /// Skips whitespace, newlines and comments.
    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\n' | '\r') => self.pos += 1,
                Some('#') => self.skip_comment(),
                _ => return,
            }
        }
    }

    fn end_of_line(&mut self) -> Result<(), ParseError> {
        self.skip_spaces();
        self.skip_comment();
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.pos += 1;
                Ok(())
            }
            Some('\r') if self.chars.get(self.pos + 1) == Some(&'\n') => {
                self.pos += 2;
                Ok(())
            }
            Some(_) => Err(self.error("expected a newline or a comment after the value")),
        }
    }

    fn document(mut self) -> Result<Table, ParseError> {
        loop {
            self.skip_trivia();
            match self.peek() {
                None => return Ok(self.root),
                Some('[') => self.table_header()?,
                Some(_) => self.key_value_line()?,
            }
            self.end_of_line()?;
        }
    }

    fn table_header(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        self.pos += 1;
        let is_array = self.peek() == Some('[');
        if is_array {
            self.pos += 1;
        }
        self.skip_spaces();
        let path = self.key_path()?;
        self.skip_spaces();
        self.expect(']')?;
        if is_array {
            self.expect(']')?;
        }

        if is_array {
            let (last, parent) = path.split_last().expect("key_path is never empty");
            let parent_table =
                descend(&mut self.root, parent).map_err(|e| locate(&self.chars, start, e))?;
            match parent_table
                .entry(last.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(Value::Table(Table::new())),
                other => {
                    let message =
                        format!("key '{last}' is already defined as a {}", other.type_name());
                    return Err(self.error_at(start, message));
                }
            }
            // Sub-tables of the previous element may be opened again in the new one.
            self.defined.retain(|defined| !defined.starts_with(&path));
        } else {
            if !self.defined.insert(path.clone()) {
                return Err(self.error_at(
                    start,
                    format!("table [{}] is defined more than once", path.join(".")),
                ));
            }
            descend(&mut self.root, &path).map_err(|e| locate(&self.chars, start, e))?;
        }
        self.current = path;
        Ok(())
    }

    fn key_value_line(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let keys = self.key_path()?;
        self.skip_spaces();
        self.expect('=')?;
        self.skip_spaces();
        let value = self.value()?;

        let (last, prefix) = keys.split_last().expect("key_path is never empty");
        let mut path = self.current.clone();
        path.extend(prefix.iter().cloned());
        let table = descend(&mut self.root, &path).map_err(|e| locate(&self.chars, start, e))?;
        if table.contains_key(last) {
            return Err(self.error_at(start, format!("duplicate key '{last}'")));
        }
        table.insert(last.clone(), value);
        Ok(())
    }

    /// `a`, `a.b`, `"quoted key".c`, with optional spaces around the dots.
    fn key_path(&mut self) -> Result<Vec<String>, ParseError> {
        let mut keys = Vec::new();
        loop {
            self.skip_spaces();
            keys.push(self.simple_key()?);
            self.skip_spaces();
            if self.peek() == Some('.') {
                self.pos += 1;
            } else {
                return Ok(keys);
            }
        }
    }

    fn simple_key(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some('"') => self.basic_string(),
            Some('\'') => self.literal_string(),
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    self.pos += 1;
                }
                if start == self.pos {
                    return Err(self.error("expected a key"));
                }
                Ok(self.chars[start..self.pos].iter().collect())
            }
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            None => Err(self.error("expected a value")),
            Some('"') if self.starts_with("\"\"\"") => {
                self.multiline_basic_string().map(Value::String)
            }
            Some('"') => self.basic_string().map(Value::String),
            Some('\'') if self.starts_with("'''") => {
                self.multiline_literal_string().map(Value::String)
            }
            Some('\'') => self.literal_string().map(Value::String),
            Some('[') => self.array(),
            Some('{') => self.inline_table(),
            Some(_) if self.starts_with("true") => {
                self.pos += 4;
                Ok(Value::Boolean(true))
            }
            Some(_) if self.starts_with("false") => {
                self.pos += 5;
                Ok(Value::Boolean(false))
            }
            Some(_) => self.number(),
        }
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        loop {
            self.skip_trivia();
            if self.peek() == Some(']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            items.push(self.value()?);
            self.skip_trivia();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']' in array")),
            }
        }
    }

    fn inline_table(&mut self) -> Result<Value, ParseError> {
        self.pos += 1; // '{'
        let mut table = Table::new();
        self.skip_spaces();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Ok(Value::Table(table));
        }
        loop {
            let start = self.pos;
            let keys = self.key_path()?;
            self.expect('=')?;
            self.skip_spaces();
            let value = self.value()?;
            let (last, prefix) = keys.split_last().expect("key_path is never empty");
            let target = descend(&mut table, prefix).map_err(|e| locate(&self.chars, start, e))?;
            if target.contains_key(last) {
                return Err(self.error_at(start, format!("duplicate key '{last}'")));
            }
            target.insert(last.clone(), value);
            self.skip_spaces();
            match self.peek() {
                Some(',') => {
                    self.pos += 1;
                    self.skip_spaces();
                }
                Some('}') => {
                    self.pos += 1;
                    return Ok(Value::Table(table));
                }
                _ => return Err(self.error("expected ',' or '}' in inline table")),
            }
        }
    }

    fn basic_string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return Err(self.error("unterminated string")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                Some(c) if is_forbidden_control(c) => {
                    return Err(self.error("control character in string"))
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn multiline_basic_string(&mut self) -> Result<String, ParseError> {
        self.pos += 3;
        self.skip_first_newline();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated multi-line string")),
                Some('"') if self.starts_with("\"\"\"") => {
                    self.close_multiline('"', &mut out);
                    return Ok(out);
                }
                Some('\\') => {
                    self.pos += 1;
                    if self.at_line_ending_backslash() {
                        self.skip_trivia_whitespace();
                    } else {
                        out.push(self.escape()?);
                    }
                }
                Some(c) if c != '\n' && c != '\r' && is_forbidden_control(c) => {
                    return Err(self.error("control character in string"))
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn literal_string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // '\''
        let start = self.pos;
        loop {
            match self.peek() {
                None | Some('\n') => return Err(self.error("unterminated literal string")),
                Some('\'') => {
                    let text = self.chars[start..self.pos].iter().collect();
                    self.pos += 1;
                    return Ok(text);
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn multiline_literal_string(&mut self) -> Result<String, ParseError> {
        self.pos += 3;
        self.skip_first_newline();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated multi-line literal string")),
                Some('\'') if self.starts_with("'''") => {
                    self.close_multiline('\'', &mut out);
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// At a closing triple quote: up to two extra quotes belong to the content.
    fn close_multiline(&mut self, quote: char, out: &mut String) {
        let mut run = 0;
        while self.peek() == Some(quote) && run < 5 {
            run += 1;
            self.pos += 1;
        }
        for _ in 3..run {
            out.push(quote);
        }
    }

    fn skip_first_newline(&mut self) {
        if self.starts_with("\r\n") {
            self.pos += 2;
        } else if self.peek() == Some('\n') {
            self.pos += 1;
        }
    }

    /// After a backslash in a multi-line basic string: only whitespace up to a newline?
    fn at_line_ending_backslash(&self) -> bool {
        let mut i = self.pos;
        while matches!(self.chars.get(i), Some(' ' | '\t')) {
            i += 1;
        }
        matches!(self.chars.get(i), Some('\n' | '\r'))
    }

    fn skip_trivia_whitespace(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    /// Reads the escape after a backslash.
    fn escape(&mut self) -> Result<char, ParseError> {
        let Some(c) = self.peek() else {
            return Err(self.error("unterminated escape"));
        };
        self.pos += 1;
        match c {
            'b' => Ok('\u{08}'),
            't' => Ok('\t'),
            'n' => Ok('\n'),
            'f' => Ok('\u{0c}'),
            'r' => Ok('\r'),
            '"' => Ok('"'),
            '\\' => Ok('\\'),
            'u' => self.unicode_escape(4),
            'U' => self.unicode_escape(8),
            other => Err(self.error_at(self.pos - 1, format!("invalid escape '\\{other}'"))),
        }
    }

    fn unicode_escape(&mut self, digits: usize) -> Result<char, ParseError> {
        let end = self.pos + digits;
        if end > self.chars.len() {
            return Err(self.error("truncated unicode escape"));
        }
        let hex: String = self.chars[self.pos..end].iter().collect();
        let code = u32::from_str_radix(&hex, 16)
            .ok()
            .filter(|_| hex.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(char::from_u32)
            .ok_or_else(|| self.error(format!("invalid unicode escape '{hex}'")))?;
        self.pos = end;
        Ok(code)
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-' | '.' | ':'))
        {
            self.pos += 1;
        }
        let token: String = self.chars[start..self.pos].iter().collect();
        let fail = |message: String| Err(self.error_at(start, message));
        if token.is_empty() {
            return fail("expected a value".to_string());
        }
        if looks_like_date_time(&token) {
            return fail(format!(
                "date and time values are not supported ('{token}'): quote it as a string"
            ));
        }
        match parse_number(&token) {
            Some(value) => Ok(value),
            None => fail(format!("invalid value '{token}'")),
        }
    }
}

fn is_forbidden_control(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\u{7f}'
}

fn looks_like_date_time(token: &str) -> bool {
    let bytes = token.as_bytes();
    let date = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-';
    let time = bytes.len() >= 8
        && bytes[..2].iter().all(u8::is_ascii_digit)
        && bytes[2] == b':'
        && bytes[5] == b':';
    date || time
}

fn parse_number(token: &str) -> Option<Value> {
    match token {
        "inf" | "+inf" => return Some(Value::Float(f64::INFINITY)),
        "-inf" => return Some(Value::Float(f64::NEG_INFINITY)),
        "nan" | "+nan" | "-nan" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = token.strip_prefix(prefix) {
            let digits = strip_underscores(digits, |c| c.is_digit(radix))?;
            return i64::from_str_radix(&digits, radix).ok().map(Value::Integer);
        }
    }
    let plain = strip_underscores(token, |c| c.is_ascii_digit())?;
    if plain.contains(['.', 'e', 'E']) {
        if is_valid_float(&plain) {
            plain.parse().ok().map(Value::Float)
        } else {
            None
        }
    } else {
        let unsigned = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
        if is_decimal_integer(unsigned) {
            plain.parse().ok().map(Value::Integer)
        } else {
            None
        }
    }
}

/// Removes `_` separators, each of which must sit between two digits.
fn strip_underscores(token: &str, is_digit: impl Fn(char) -> bool) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    let mut out = String::with_capacity(chars.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let before = i > 0 && is_digit(chars[i - 1]);
            let after = chars.get(i + 1).is_some_and(|next| is_digit(*next));
            if !(before && after) {
                return None;
            }
        } else {
            out.push(*c);
        }
    }
    Some(out)
}

/// `0` or digits without a leading zero.
fn is_decimal_integer(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// `int ( '.' digits )? ( [eE] [+-]? digits )?` with a fraction or exponent present.
fn is_valid_float(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (integer, fraction) = match mantissa.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    is_decimal_integer(integer)
        && fraction.is_none_or(all_digits)
        && exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
        && (fraction.is_some() || exponent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_engram_configuration() {
        let text = r#"
# Engram configuration
[server]
http_bind = "0.0.0.0"   # all interfaces

[feature_flags]
spreading_api_beta = false

[memory_spaces]
default_space = 'default'
bootstrap_spaces = [
  "default",
  "alpha1",   # trailing comma next
]

[persistence]
hot_capacity = 100_000
ratio = 0.5
big = 1e3

[security]
auth_mode = "api_key"

[security.api_keys]
storage_path = "/etc/engram/keys"
"#;
        let table = parse(text).unwrap();
        assert_eq!(
            get(&table, "server.http_bind").and_then(Value::as_str),
            Some("0.0.0.0")
        );
        assert_eq!(
            get(&table, "feature_flags.spreading_api_beta").and_then(Value::as_bool),
            Some(false)
        );
        assert_eq!(
            get(&table, "memory_spaces.bootstrap_spaces"),
            Some(&Value::Array(vec![
                Value::String("default".into()),
                Value::String("alpha1".into())
            ]))
        );
        assert_eq!(
            get(&table, "persistence.hot_capacity").and_then(Value::as_integer),
            Some(100_000)
        );
        assert_eq!(
            get(&table, "persistence.ratio").and_then(Value::as_float),
            Some(0.5)
        );
        assert_eq!(
            get(&table, "persistence.big").and_then(Value::as_float),
            Some(1000.0)
        );
        assert_eq!(
            get(&table, "security.api_keys.storage_path").and_then(Value::as_str),
            Some("/etc/engram/keys")
        );
    }

    #[test]
    fn parses_strings_keys_and_numbers() {
        let text = "a.b = \"tab\\there \\u00e9\"\n\"quoted key\" = 'C:\\path'\n\
                    multi = \"\"\"\nline one \\\n   continued\"\"\"\nlit = '''\nraw \\n'''\n\
                    hex = 0xff\noct = 0o17\nbin = 0b101\nneg = -42\npinf = inf\n\
                    inline = { x = 1, y.z = \"w\" }\n";
        let table = parse(text).unwrap();
        assert_eq!(
            get(&table, "a.b").and_then(Value::as_str),
            Some("tab\there é")
        );
        assert_eq!(
            table.get("quoted key").and_then(Value::as_str),
            Some("C:\\path")
        );
        assert_eq!(
            table.get("multi").and_then(Value::as_str),
            Some("line one continued")
        );
        assert_eq!(table.get("lit").and_then(Value::as_str), Some("raw \\n"));
        assert_eq!(table.get("hex").and_then(Value::as_integer), Some(255));
        assert_eq!(table.get("oct").and_then(Value::as_integer), Some(15));
        assert_eq!(table.get("bin").and_then(Value::as_integer), Some(5));
        assert_eq!(table.get("neg").and_then(Value::as_integer), Some(-42));
        assert_eq!(
            table.get("pinf").and_then(Value::as_float),
            Some(f64::INFINITY)
        );
        assert_eq!(get(&table, "inline.y.z").and_then(Value::as_str), Some("w"));
    }

    #[test]
    fn parses_arrays_of_tables() {
        let text = "[[node]]\nname = \"a\"\n[node.meta]\nrack = 1\n[[node]]\nname = \"b\"\n[node.meta]\nrack = 2\n";
        let table = parse(text).unwrap();
        let nodes = table.get("node").and_then(Value::as_array).unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            nodes[1]
                .as_table()
                .and_then(|t| get(t, "meta.rack"))
                .and_then(Value::as_integer),
            Some(2)
        );
    }

    #[test]
    fn reports_errors_with_position() {
        let cases = [
            ("[server\nhttp_bind = 1", 1),
            ("a = \n", 1),
            ("a = 1\na = 2", 2),
            ("[t]\n[t]", 2),
            ("x = \"unterminated\n", 1),
            ("x = 1 2", 1),
            ("x = 01", 1),
            ("x = 1.", 1),
            ("x = 1__0", 1),
            ("x = [1, 2", 1),
            ("d = 1979-05-27", 1),
            ("= 3", 1),
            ("a = 1\na.b = 2", 2),
            ("x = \"\\q\"", 1),
        ];
        for (text, line) in cases {
            match parse(text) {
                Ok(table) => panic!("accepted {text:?} as {table:?}"),
                Err(error) => assert_eq!(error.line, line, "{text:?}: {error}"),
            }
        }
    }

    #[test]
    fn merges_tables_deeply() {
        let mut base = parse("[a]\nx = 1\ny = 2\n[b]\nz = 3").unwrap();
        let overlay = parse("[a]\ny = 20\nw = 4").unwrap();
        merge(&mut base, &overlay);
        assert_eq!(get(&base, "a.x").and_then(Value::as_integer), Some(1));
        assert_eq!(get(&base, "a.y").and_then(Value::as_integer), Some(20));
        assert_eq!(get(&base, "a.w").and_then(Value::as_integer), Some(4));
        assert_eq!(get(&base, "b.z").and_then(Value::as_integer), Some(3));
    }
}
