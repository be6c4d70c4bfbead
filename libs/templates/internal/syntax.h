// Checks a ctemplate template's text before Hyper compiles it, and finds the
// line of a syntax error that ctemplate reports without one.
//
// ctemplate logs parse errors to stderr with neither the template's name
// (for templates compiled from a string) nor a line number, and it cannot
// be asked for either. CheckTemplateText re-derives both: it scans the
// markers itself (sections, comments, pragmas, modifiers) and, when ctemplate
// still refuses the text, compiles ever longer prefixes (with the sections
// open at the cut closed) to find the first line ctemplate refuses.
//
// It also enforces Hyper's policy that auto-escaping cannot be switched off
// by accident: the text must begin with an {{%AUTOESCAPE context="..."}}
// pragma, and the `:none` modifier (which emits a value raw) is refused.
//
// Example:
//   CheckTemplateText("a.tpl", "{{%AUTOESCAPE context=\"HTML\"}}\n{{#S}}\n");
//   // == InvalidArgumentError("a.tpl:2: section S is never closed")
#ifndef HYPER_LIBS_TEMPLATES_INTERNAL_SYNTAX_H_
#define HYPER_LIBS_TEMPLATES_INTERNAL_SYNTAX_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hyper::templates::internal {

// OK when `text` follows the policy above and its markers are well formed
// (every marker closed, sections nested and closed, no custom delimiters,
// which this scan does not follow). Otherwise
// InvalidArgumentError("<name>:<line>: <reason>"). ctemplate may still
// refuse text that passes (an unknown modifier, a bad name): see below.
absl::Status CheckTemplateText(absl::string_view name, absl::string_view text);

// Where ctemplate refuses `text` (already known to fail to compile) after
// the marker scan found nothing: InvalidArgumentError naming the first line
// whose prefix does not compile.
absl::Status LocateCompileError(absl::string_view name, absl::string_view text);

}  // namespace hyper::templates::internal

#endif  // HYPER_LIBS_TEMPLATES_INTERNAL_SYNTAX_H_
