//! The document guard: every GraphQL document, on every transport (POST,
//! batches, the WebSocket), is bounded before the parser, the validator or
//! the executor can do more than linear work on it.
//!
//! async-graphql 7.2's parser recurses without a depth guard on argument
//! values (a 4 KB document nested ~2,000 deep overflows the stack), and its
//! depth, complexity and recursive-depth checks walk fragment spreads
//! without memoisation (ten fragments each spreading the previous one ten
//! times are 10^10 visits). So, in this order:
//!
//! 1. [`prescan`] reads the raw text once, in constant memory: bracket
//!    nesting, token count and NUL characters are bounded before parsing.
//! 2. The document is parsed once (now safe) and [`expanded_size`] counts the
//!    selections *after* fragment expansion, with one memoised size per
//!    fragment (linear in the document, cycles refused), so aliases and
//!    fan-out are bounded before any of async-graphql's own walks.
//! 3. Every string in the document and the variables is checked
//!    ([`check`]): no NUL, bounded length — nothing that storage would
//!    refuse reaches it.
//!
//! The extension also gives every error an `extensions.code` and rewrites
//! syntax errors so that they never echo the document (it may hold an NHS
//! number).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextResolve,
    NextSubscribe, ResolveInfo,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensionValues, Name, Positioned, Request, Response, ServerError, Value,
};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;

use crate::config::Limits;
use crate::error::code;

/// Why a document was refused before parsing or execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the document nests brackets more than {0} deep")]
    TooDeep(usize),
    #[error("the document has more than {0} tokens")]
    TooManyTokens(usize),
    #[error("the document selects more than {0} fields once fragments are expanded")]
    TooLarge(u64),
    #[error("fragment \"{0}\" spreads itself")]
    FragmentCycle(String),
    #[error("the document contains a NUL character")]
    Nul,
    #[error(
        "a \\u escape names a UTF-16 surrogate (D800-DFFF); send the character itself, or use variables"
    )]
    Surrogate,
    #[error("{0} contains a NUL character")]
    NulInValue(String),
    #[error("{0} is longer than {1} bytes")]
    TooLong(String, usize),
    #[error("{0}")]
    Syntax(String),
}

impl Refusal {
    /// Syntax errors are the client's document; every other refusal is a
    /// bound of this hub.
    fn code(&self) -> &'static str {
        match self {
            Refusal::Syntax(_) => code::GRAPHQL_PARSE_FAILED,
            _ => code::BAD_USER_INPUT,
        }
    }

    fn into_server_error(self) -> ServerError {
        let code = self.code();
        let mut error = ServerError::new(self.to_string(), None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code);
        error.extensions = Some(extensions);
        error
    }
}

/// The bounds applied to every document.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub max_nesting: usize,
    pub max_tokens: usize,
    pub max_expanded: u64,
    pub max_string_bytes: usize,
}

impl From<&Limits> for DocumentLimits {
    fn from(l: &Limits) -> Self {
        Self {
            max_nesting: l.max_nesting,
            max_tokens: l.max_tokens,
            max_expanded: l.max_expanded_fields,
            max_string_bytes: l.max_string_bytes,
        }
    }
}

/// One pass over the raw document: bracket nesting (`{`, `[`, `(`) outside
/// strings and comments, the number of tokens, and NUL characters. Never
/// allocates.
pub fn prescan(doc: &str, limits: &DocumentLimits) -> Result<(), Refusal> {
    #[derive(PartialEq)]
    enum State {
        Code,
        Name,
        Number,
        Str,
        Escape,
        Block,
        Comment,
    }
    let bytes = doc.as_bytes();
    let mut state = State::Code;
    let mut depth = 0usize;
    let mut tokens = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0 {
            return Err(Refusal::Nul);
        }
        match state {
            State::Str => match b {
                b'\\' => state = State::Escape,
                b'"' | b'\n' => state = State::Code,
                _ => {}
            },
            State::Escape => {
                // The parser turns each `\uXXXX` into a char on its own and
                // panics on a surrogate (a lone one, or half of a pair).
                if b == b'u' {
                    let hex = bytes
                        .get(i + 1..i + 5)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    if hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .is_some_and(|c| (0xD800..=0xDFFF).contains(&c))
                    {
                        return Err(Refusal::Surrogate);
                    }
                }
                state = State::Str;
            }
            State::Block => {
                if b == b'\\' && bytes[i..].starts_with(b"\\\"\"\"") {
                    i += 3;
                } else if bytes[i..].starts_with(b"\"\"\"") {
                    i += 2;
                    state = State::Code;
                }
            }
            State::Comment => {
                if b == b'\n' || b == b'\r' {
                    state = State::Code;
                }
            }
            State::Name | State::Number | State::Code => {
                let continues = match state {
                    State::Name => b == b'_' || b.is_ascii_alphanumeric(),
                    State::Number => {
                        b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'+'
                    }
                    _ => false,
                };
                if !continues {
                    state = State::Code;
                    match b {
                        b' ' | b'\t' | b'\n' | b'\r' | b',' => {}
                        b'#' => state = State::Comment,
                        b'"' => {
                            tokens += 1;
                            if bytes[i..].starts_with(b"\"\"\"") {
                                i += 2;
                                state = State::Block;
                            } else {
                                state = State::Str;
                            }
                        }
                        b'{' | b'[' | b'(' => {
                            tokens += 1;
                            depth += 1;
                            if depth > limits.max_nesting {
                                return Err(Refusal::TooDeep(limits.max_nesting));
                            }
                        }
                        b'}' | b']' | b')' => {
                            tokens += 1;
                            depth = depth.saturating_sub(1);
                        }
                        b'.' if bytes[i..].starts_with(b"...") => {
                            tokens += 1;
                            i += 2;
                        }
                        b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                            tokens += 1;
                            state = State::Name;
                        }
                        b'-' | b'0'..=b'9' => {
                            tokens += 1;
                            state = State::Number;
                        }
                        _ => tokens += 1,
                    }
                    if tokens > limits.max_tokens {
                        return Err(Refusal::TooManyTokens(limits.max_tokens));
                    }
                }
            }
        }
        i += 1;
    }
    Ok(())
}

/// The number of selections, directives and arguments the document holds
/// once every fragment spread is replaced by its fragment: what validation
/// and execution would walk. Each fragment's size is computed once.
pub fn expanded_size(doc: &ExecutableDocument, max: u64) -> Result<u64, Refusal> {
    struct Sizer<'a> {
        doc: &'a ExecutableDocument,
        sizes: HashMap<&'a str, u64>,
        visiting: Vec<&'a str>,
    }
    impl<'a> Sizer<'a> {
        fn set(&mut self, set: &'a Positioned<SelectionSet>) -> Result<u64, Refusal> {
            let mut total = 0u64;
            for item in &set.node.items {
                let own = item.node.directives().len() as u64;
                let inner = match &item.node {
                    Selection::Field(f) => {
                        1 + f.node.arguments.len() as u64 + self.set(&f.node.selection_set)?
                    }
                    Selection::InlineFragment(f) => self.set(&f.node.selection_set)?,
                    Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node)?,
                };
                total = total.saturating_add(own).saturating_add(inner);
            }
            Ok(total)
        }

        fn fragment(&mut self, name: &'a Name) -> Result<u64, Refusal> {
            let key = name.as_str();
            if let Some(size) = self.sizes.get(key) {
                return Ok(*size);
            }
            if self.visiting.contains(&key) {
                return Err(Refusal::FragmentCycle(key.to_owned()));
            }
            // An unknown fragment is validation's to report.
            let Some(fragment) = self.doc.fragments.get(name) else {
                return Ok(0);
            };
            self.visiting.push(key);
            let size = self.set(&fragment.node.selection_set)?;
            self.visiting.pop();
            self.sizes.insert(key, size);
            Ok(size)
        }
    }
    let mut sizer = Sizer {
        doc,
        sizes: HashMap::new(),
        visiting: Vec::new(),
    };
    let mut total = 0u64;
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    for op in operations {
        let size = sizer.set(&op.node.selection_set)?;
        total = total.saturating_add(size);
    }
    // Fragments no operation uses are still validated.
    for name in doc.fragments.keys() {
        let size = sizer.fragment(name)?;
        total = total.saturating_add(size.min(1));
    }
    if total > max {
        return Err(Refusal::TooLarge(max));
    }
    Ok(total)
}

/// A bad string inside a value, with the object keys down to it (innermost
/// first). The path is only built when something is wrong: checking a good
/// value allocates nothing.
struct Fault {
    long: bool,
    path: Vec<String>,
}

impl Fault {
    /// The refusal, naming `what` (an argument or variable) and the path.
    fn refusal(self, what: &str, max: usize) -> Refusal {
        let mut at = what.to_owned();
        for key in self.path.iter().rev() {
            at.push('.');
            at.push_str(key);
        }
        if self.long {
            Refusal::TooLong(at, max)
        } else {
            Refusal::NulInValue(at)
        }
    }
}

/// A string that may reach storage: no NUL, at most `max` bytes.
fn text_fault(text: &str, max: usize) -> Result<(), Fault> {
    let long = text.len() > max;
    if long || text.contains('\0') {
        return Err(Fault {
            long,
            path: Vec::new(),
        });
    }
    Ok(())
}

/// Descends into an object's value, noting its key on the way out.
fn under(key: &str, inner: Result<(), Fault>) -> Result<(), Fault> {
    inner.map_err(|mut f| {
        f.path.push(key.to_owned());
        f
    })
}

fn check_const(value: &async_graphql::Value, max: usize) -> Result<(), Fault> {
    match value {
        Value::String(s) => text_fault(s, max),
        Value::List(items) => items.iter().try_for_each(|v| check_const(v, max)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            text_fault(k, max)?;
            under(k, check_const(v, max))
        }),
        _ => Ok(()),
    }
}

fn check_literal(value: &async_graphql_value::Value, max: usize) -> Result<(), Fault> {
    use async_graphql_value::Value as V;
    match value {
        V::String(s) => text_fault(s, max),
        V::List(items) => items.iter().try_for_each(|v| check_literal(v, max)),
        V::Object(map) => map.iter().try_for_each(|(k, v)| {
            text_fault(k, max)?;
            under(k, check_literal(v, max))
        }),
        _ => Ok(()),
    }
}

/// Every argument's literal strings.
fn check_arguments(
    arguments: &[(Positioned<Name>, Positioned<async_graphql_value::Value>)],
    max: usize,
) -> Result<(), Refusal> {
    for (name, v) in arguments {
        check_literal(&v.node, max)
            .map_err(|f| f.refusal(&format!("argument {}", name.node), max))?;
    }
    Ok(())
}

/// Every string literal of the document.
fn check_document_strings(doc: &ExecutableDocument, max: usize) -> Result<(), Refusal> {
    fn set(s: &SelectionSet, max: usize) -> Result<(), Refusal> {
        for item in &s.items {
            for d in item.node.directives() {
                check_arguments(&d.node.arguments, max)?;
            }
            match &item.node {
                Selection::Field(f) => {
                    check_arguments(&f.node.arguments, max)?;
                    set(&f.node.selection_set.node, max)?;
                }
                Selection::InlineFragment(f) => set(&f.node.selection_set.node, max)?,
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    for op in operations {
        for v in &op.node.variable_definitions {
            if let Some(default) = &v.node.default_value {
                check_const(&default.node, max)
                    .map_err(|f| f.refusal(&format!("variable ${}", v.node.name.node), max))?;
            }
        }
        for d in &op.node.directives {
            check_arguments(&d.node.arguments, max)?;
        }
        set(&op.node.selection_set.node, max)?;
    }
    for fragment in doc.fragments.values() {
        set(&fragment.node.selection_set.node, max)?;
    }
    Ok(())
}

/// Parses `query` within the limits: the document, or the refusal.
pub fn check(
    query: &str,
    variables: &async_graphql::Variables,
    limits: &DocumentLimits,
) -> Result<ExecutableDocument, Refusal> {
    prescan(query, limits)?;
    let doc = async_graphql::parser::parse_query(query).map_err(syntax_refusal)?;
    expanded_size(&doc, limits.max_expanded)?;
    check_document_strings(&doc, limits.max_string_bytes)?;
    for (name, value) in variables.iter() {
        text_fault(name, limits.max_string_bytes)
            .map_err(|f| f.refusal("a variable name", limits.max_string_bytes))?;
        check_const(value, limits.max_string_bytes)
            .map_err(|f| f.refusal(&format!("variable ${name}"), limits.max_string_bytes))?;
    }
    Ok(doc)
}

/// A parse error without the document's text: where, and what was expected.
fn syntax_refusal(e: async_graphql::parser::Error) -> Refusal {
    use async_graphql::parser::Error as E;
    let message = match &e {
        E::Syntax { message, start, .. } => {
            // pest's message quotes the offending line; keep only what it
            // expected.
            let expected = message
                .lines()
                .find_map(|l| l.trim().strip_prefix("= "))
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            format!(
                "syntax error at line {}, column {}{expected}",
                start.line, start.column
            )
        }
        E::MultipleOperations { .. } => {
            "a document with an anonymous operation may hold only that operation".to_owned()
        }
        E::OperationDuplicated { .. } => "two operations have the same name".to_owned(),
        E::FragmentDuplicated { .. } => "two fragments have the same name".to_owned(),
        E::MissingOperation => "the document holds no operation".to_owned(),
        E::RecursionLimitExceeded => "the document nests too deeply".to_owned(),
        _ => "the document is not valid GraphQL".to_owned(),
    };
    Refusal::Syntax(message)
}

/// What [`check`] said of a request's document when the HTTP handler ran
/// it already (the parsed document is then in the request): the schema's
/// guard does not check it again.
#[derive(Debug, Clone)]
pub enum Checked {
    Passed,
    Refused(Refusal),
}

/// The async-graphql extension applying [`check`] to every request, giving
/// every error an `extensions.code`, and reporting a failed nullable field
/// as `null` *in* `data` with its error (async-graphql 7.2 drops a failed
/// field from its parent object, and turns an object whose every field
/// failed into null, which breaks typed clients).
#[derive(Debug, Clone, Copy)]
pub struct Guard(pub DocumentLimits);

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardRequest {
            limits: self.0,
            nulled: Arc::default(),
        })
    }
}

/// The guard for one request (or one subscription).
struct GuardRequest {
    limits: DocumentLimits,
    /// Errors of nullable fields answered with null, to add to the response.
    nulled: Arc<Mutex<Vec<ServerError>>>,
}

/// Moves the errors of nulled fields into the response, then fills codes.
fn finish(nulled: &Mutex<Vec<ServerError>>, response: &mut Response) {
    let mut nulled = nulled.lock().unwrap_or_else(PoisonError::into_inner);
    response.errors.append(&mut nulled);
    fill_codes(&mut response.errors);
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        finish(&self.nulled, &mut response);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let nulled = self.nulled.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                finish(&nulled, &mut response);
                response
            })
            .boxed()
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> async_graphql::ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(error) if nullable => {
                self.nulled
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(error);
                Ok(Some(Value::Null))
            }
            other => other,
        }
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> async_graphql::ServerResult<Request> {
        let checked = request
            .data
            .get(&std::any::TypeId::of::<Checked>())
            .and_then(|c| c.downcast_ref::<Checked>())
            .cloned();
        match checked {
            Some(Checked::Passed) => return next.run(ctx, request).await,
            Some(Checked::Refused(refusal)) => return Err(refusal.into_server_error()),
            None => {}
        }
        let doc = check(&request.query, &request.variables, &self.limits)
            .map_err(Refusal::into_server_error)?;
        // Parsed once, here: async-graphql then skips its own parse.
        request.set_parsed_query(doc);
        next.run(ctx, request).await
    }
}

/// Errors async-graphql raises itself (validation, unknown operation) carry
/// no code: they are the client's document. So is an argument it could not
/// parse while resolving a field (a `null` variable for an argument that
/// takes none but has a default): BAD_USER_INPUT, not INTERNAL.
pub fn fill_codes(errors: &mut [ServerError]) {
    for error in errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if !has_code {
            let code = if error.path.is_empty() {
                code::GRAPHQL_VALIDATION_FAILED
            } else if is_argument_error(&error.message) {
                code::BAD_USER_INPUT
            } else {
                code::INTERNAL
            };
            error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("code", code);
        }
    }
}

/// async-graphql's words for an argument or input value it could not parse
/// (`Invalid value for argument "x", expected type "Boolean"`, `Failed to
/// parse "Boolean": …`).
fn is_argument_error(message: &str) -> bool {
    message.starts_with("Invalid value for argument") || message.starts_with("Failed to parse")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unparsable_argument_is_the_clients_error() {
        let mut errors = vec![
            ServerError {
                path: vec![async_graphql::PathSegment::Field("child".into())],
                ..ServerError::new(
                    "Failed to parse \"Boolean\": Expected input type \"Boolean\", found null.",
                    None,
                )
            },
            ServerError {
                path: vec![async_graphql::PathSegment::Field("child".into())],
                ..ServerError::new("something broke", None)
            },
        ];
        fill_codes(&mut errors);
        let code = |e: &ServerError| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code").cloned())
                .map(|v| v.to_string())
        };
        assert_eq!(code(&errors[0]).as_deref(), Some("\"BAD_USER_INPUT\""));
        assert_eq!(code(&errors[1]).as_deref(), Some("\"INTERNAL\""));
    }

    fn limits() -> DocumentLimits {
        DocumentLimits::from(&Limits::default())
    }

    fn nested(depth: usize) -> String {
        format!(
            "{{ child(id: {}1{}) {{ id }} }}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    }

    #[test]
    fn deep_values_are_refused_before_parsing() {
        let l = limits();
        assert_eq!(
            prescan(&nested(3000), &l),
            Err(Refusal::TooDeep(l.max_nesting))
        );
        assert_eq!(prescan(&nested(10), &l), Ok(()));
        // Brackets in strings, block strings and comments do not count.
        let quoted = format!(
            "{{ a(x: \"{0}\", y: \"\"\"{0}\\\"\"\"{0}\"\"\") # {0}\n }}",
            "[".repeat(3000)
        );
        assert_eq!(prescan(&quoted, &l), Ok(()));
    }

    #[test]
    fn tokens_and_nul_are_bounded() {
        let l = limits();
        let many = format!("{{ {} }}", "a ".repeat(l.max_tokens + 1));
        assert_eq!(
            prescan(&many, &l),
            Err(Refusal::TooManyTokens(l.max_tokens))
        );
        assert_eq!(prescan("{ a\0 }", &l), Err(Refusal::Nul));
        // The parser would panic on these.
        assert_eq!(
            prescan(r#"{ a(x: "\ud800") }"#, &l),
            Err(Refusal::Surrogate)
        );
        assert_eq!(
            prescan(r#"{ a(x: "\uD83D\uDE00") }"#, &l),
            Err(Refusal::Surrogate)
        );
        assert_eq!(prescan(r#"{ a(x: "\u00e9\\ud800") }"#, &l), Ok(()));
    }

    /// Ten fragments, each spreading the previous one ten times.
    fn fan_out(levels: usize) -> String {
        let mut doc = String::from("query { ...F0 }\nfragment F0 on Query { me { subject } }\n");
        for i in 1..=levels {
            let spreads = format!("...F{} ", i - 1).repeat(10);
            doc.push_str(&format!("fragment F{i} on Query {{ {spreads} }}\n"));
        }
        doc.replace("query { ...F0 }", &format!("query {{ ...F{levels} }}"))
    }

    #[test]
    fn fragment_fan_out_is_measured_after_expansion_in_linear_time() {
        let l = limits();
        let doc = async_graphql::parser::parse_query(fan_out(10)).expect("parses");
        assert_eq!(
            expanded_size(&doc, l.max_expanded),
            Err(Refusal::TooLarge(l.max_expanded))
        );
        let small = async_graphql::parser::parse_query(fan_out(1)).expect("parses");
        assert!(expanded_size(&small, l.max_expanded).is_ok());
    }

    #[test]
    fn fragment_cycles_are_refused_not_followed() {
        let doc = async_graphql::parser::parse_query(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        )
        .expect("parses");
        assert!(matches!(
            expanded_size(&doc, 1000),
            Err(Refusal::FragmentCycle(_))
        ));
    }

    #[test]
    fn strings_are_checked_in_the_document_and_the_variables() {
        let l = limits();
        let vars = async_graphql::Variables::default();
        assert!(matches!(
            check(r#"{ a(x: "a\u0000b") }"#, &vars, &l),
            Err(Refusal::NulInValue(_))
        ));
        let long = format!(r#"{{ a(x: "{}") }}"#, "x".repeat(l.max_string_bytes + 1));
        assert!(matches!(check(&long, &vars, &l), Err(Refusal::TooLong(..))));
        let vars = async_graphql::Variables::from_json(
            serde_json::json!({"f": {"inner": ["ok", "a\u{0}b"]}}),
        );
        assert!(matches!(
            check("query($f: X) { a(x: $f) }", &vars, &l),
            Err(Refusal::NulInValue(_))
        ));
    }

    #[test]
    fn syntax_errors_never_echo_the_document() {
        let vars = async_graphql::Variables::default();
        let Err(Refusal::Syntax(message)) = check(
            "{ childByNhsNumber(nhsNumber: \"9434765919\" ",
            &vars,
            &limits(),
        ) else {
            panic!("a syntax error");
        };
        assert!(!message.contains("9434765919"), "{message}");
        assert!(message.starts_with("syntax error at line 1"), "{message}");
    }

    #[test]
    fn the_introspection_query_fits() {
        let doc = async_graphql::parser::parse_query(INTROSPECTION).expect("introspection parses");
        let size = expanded_size(&doc, u64::MAX).expect("no cycle");
        assert!(size < limits().max_expanded, "{size}");
        prescan(INTROSPECTION, &limits()).expect("within the raw bounds");
    }

    /// GraphiQL's introspection query (graphql-js getIntrospectionQuery).
    const INTROSPECTION: &str = r"
    query IntrospectionQuery {
      __schema {
        queryType { name } mutationType { name } subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) {
        name description args { ...InputValue } type { ...TypeRef }
        isDeprecated deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
    }";
}
