//! Page globs: the patterns a spec uses to say on which pages a flow or step belongs
//! (`/app/dashboard*`, `/projects/*/settings`).
//!
//! `*` matches any run of characters, including `/`; everything else matches itself. A glob is
//! matched against the URL's path, or against path and query when it contains `?`. A trailing
//! `/` is ignored on both sides, so `/app` and `/app/` are the same page.

/// Checks a glob written in a spec; `Err` says what is wrong and what to write instead.
pub fn check(glob: &str) -> Result<(), (String, String)> {
    if glob.is_empty() {
        return Err(("the page pattern is empty".into(), "write a path such as /app/dashboard or /app/*".into()));
    }
    if glob.starts_with("http://") || glob.starts_with("https://") {
        return Err((
            "page patterns match the path of the URL, not the whole address".into(),
            "leave out the scheme and domain: /app/dashboard*".into(),
        ));
    }
    if !glob.starts_with('/') && !glob.starts_with('*') {
        return Err(("a page pattern must start with / or *".into(), "for example /app/dashboard*".into()));
    }
    if glob.chars().any(|c| c.is_ascii_whitespace() || c.is_ascii_control() || c == '\u{a0}' || c == '\u{3000}') {
        return Err(("a page pattern cannot contain spaces".into(), "URLs encode spaces as %20".into()));
    }
    if crate::core::text::contains(glob, "***") {
        return Err(("`***` is not a pattern".into(), "`*` already matches any characters, including /".into()));
    }
    Ok(())
}

/// Whether `path` (the URL's pathname, plus `?query` when given) matches `glob`.
pub fn matches(glob: &str, path: &str, query: &str) -> bool {
    let target;
    let subject = if glob.bytes().any(|b| b == b'?') {
        target = format!("{}{}", path, query);
        trim_slash(&target)
    } else {
        trim_slash(path)
    };
    wildcard(trim_slash(glob).as_bytes(), subject.as_bytes())
}

fn trim_slash(s: &str) -> &str {
    if s.len() > 1 {
        s.strip_suffix('/').unwrap_or(s)
    } else {
        s
    }
}

/// Iterative `*` matching with one backtrack point: linear for typical patterns.
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                while p.get(pi) == Some(&b'*') {
                    pi += 1;
                }
                star = Some((pi, si));
            }
            Some(c) if Some(c) == s.get(si) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    while p.get(pi) == Some(&b'*') {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        let cases = [
            ("/app/dashboard*", "/app/dashboard", "", true),
            ("/app/dashboard*", "/app/dashboard/", "", true),
            ("/app/dashboard*", "/app/dashboards/42", "", true),
            ("/app/dashboard*", "/app/projects", "", false),
            ("/app/*/settings", "/app/p1/settings", "", true),
            ("/app/*/settings", "/app/p1/settings/team", "", false),
            ("/", "/", "", true),
            ("/", "/x", "", false),
            ("*", "/anything/at/all", "", true),
            ("/app", "/app/", "", true),
            ("/search?q=*", "/search", "?q=shoes", true),
            ("/search?q=*", "/search", "", false),
            ("/a*b*c", "/axxbyyc", "", true),
            ("/a*b*c", "/axxbyy", "", false),
            ("/App", "/app", "", false),
        ];
        for (g, p, q, want) in cases {
            assert_eq!(matches(g, p, q), want, "{g} vs {p}{q}");
        }
    }

    #[test]
    fn checking() {
        assert!(check("/app/*").is_ok());
        assert!(check("*").is_ok());
        assert_eq!(check("").map_err(|e| e.0), Err("the page pattern is empty".to_string()));
        assert!(check("https://acme.com/app").is_err());
        assert!(check("app/dashboard").is_err());
        assert!(check("/app/my page").is_err());
        assert!(check("/app/***").is_err());
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let p = format!("/{}b", "*a".repeat(50));
        let s = format!("/{}", "a".repeat(5000));
        assert!(!matches(&p, &s, ""));
    }
}
