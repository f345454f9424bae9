package hclrule

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// detectionWith wraps body lines in a detection that is otherwise valid.
// The body starts on line 5, column 3 when indented by two spaces.
func detectionWith(body string) string {
	return "detection \"d\" {\n" +
		"  title = \"t\"\n" +
		"  logsource {\n    category = \"proxy\"\n  }\n" + // lines 3-5
		"  selection \"sel\" {\n    match \"f\" {\n      equals = \"x\"\n    }\n  }\n" + // lines 6-10
		body +
		"}\n"
}

// summaries renders diagnostics as "file:line:col: severity: summary",
// leaving the detail to the cases that check it.
func summaries(diags rule.Diagnostics) []string {
	out := make([]string, len(diags))
	for i, d := range diags {
		out[i] = d.Pos.String() + ": " + d.Severity.String() + ": " + d.Summary
	}
	return out
}

func TestLoadErrors(t *testing.T) {
	deep := "locals {\n  a = " + strings.Repeat("[", 150) + strings.Repeat("]", 150) + "\n}\n"
	tests := []struct {
		name  string
		files []File
		want  []string
		// detail, when set, must appear in the first diagnostic's detail.
		detail string
		// rules is how many detections load despite the errors.
		rules int
	}{
		{
			name:  "syntax error",
			files: []File{{"a.hcl", []byte("detection \"d\" {\n  title = \n}\n")}},
			want:  []string{"a.hcl:2:11: error: Invalid expression"},
		},
		{
			name:  "unclosed block",
			files: []File{{"a.hcl", []byte("detection \"d\" {\n  title = \"t\"\n")}},
			want:  []string{"a.hcl:1:15: error: Unclosed configuration block"},
		},
		{
			name: "syntax error in one file stops the load",
			files: []File{
				{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n"))},
				{"b.hcl", []byte("locals {\n  x = [\n}\n")},
			},
			want: []string{"b.hcl:3:1: error: Invalid expression"},
		},
		{
			name:   "unknown top-level block",
			files:  []File{{"a.hcl", []byte("rule \"x\" {\n}\n")}},
			want:   []string{"a.hcl:1:1: error: Unsupported block type"},
			detail: `Blocks of type "rule" are not expected here.`,
		},
		{
			name:   "unknown attribute",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  severity = \"high\"\n"))}},
			want:   []string{"a.hcl:12:3: error: Unsupported argument"},
			detail: `An argument named "severity" is not expected here.`,
		},
		{
			name:  "unknown match attribute",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      endwith = [\"x\"]\n    }\n  }\n"))}},
			want:  []string{"a.hcl:14:7: error: Unsupported argument"},
			// hcl suggests the closest name.
			detail: `Did you mean "endswith"?`,
		},
		{
			name:   "attribute written as a block",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  title {\n  }\n"))}},
			want:   []string{"a.hcl:12:3: error: Unsupported block type"},
			detail: `Blocks of type "title" are not expected here.`,
		},
		{
			name:   "level is a number",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  level = 5\n"))}},
			want:   []string{"a.hcl:12:11: error: Incorrect attribute value type"},
			detail: "level must be a string, not a number.",
		},
		{
			name:   "tags is a string",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  tags = \"attack.t1567\"\n"))}},
			want:   []string{"a.hcl:12:10: error: Incorrect attribute value type"},
			detail: "tags must be a list of strings, not a string.",
		},
		{
			name:   "tags holds a number",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  tags = [\"a\", 1]\n"))}},
			want:   []string{"a.hcl:12:10: error: Incorrect attribute value type"},
			detail: "an element is a number",
		},
		{
			name:   "match value is an object",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      equals = {a = 1}\n    }\n  }\n"))}},
			want:   []string{"a.hcl:14:16: error: Incorrect attribute value type"},
			detail: "equals takes a string, number, bool or null, or a list of them, not an object.",
		},
		{
			name:  "flag is not a bool",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      equals = \"x\"\n      cased = \"yes\"\n    }\n  }\n"))}},
			want:  []string{"a.hcl:15:15: error: Incorrect attribute value type"},
		},
		{
			name:   "missing title",
			files:  []File{{"a.hcl", []byte("detection \"d\" {\n  logsource {\n    category = \"proxy\"\n  }\n  selection \"sel\" {\n    match \"f\" {\n      equals = \"x\"\n    }\n  }\n  condition = \"sel\"\n}\n")}},
			want:   []string{"a.hcl:1:1: error: Missing required argument"},
			detail: `detection "d" needs a title.`,
		},
		{
			name:  "empty title",
			files: []File{{"a.hcl", []byte(strings.Replace(detectionWith("  condition = \"sel\"\n"), "title = \"t\"", "title = \"\"", 1))}},
			want:  []string{"a.hcl:2:11: error: Empty title"},
		},
		{
			name:   "missing condition",
			files:  []File{{"a.hcl", []byte(detectionWith(""))}},
			want:   []string{"a.hcl:1:1: error: Missing required argument"},
			detail: `detection "d" needs a condition`,
		},
		{
			name:  "missing logsource",
			files: []File{{"a.hcl", []byte("detection \"d\" {\n  title = \"t\"\n  selection \"sel\" {\n    match \"f\" {\n      equals = \"x\"\n    }\n  }\n  condition = \"sel\"\n}\n")}},
			want:  []string{"a.hcl:1:1: error: Missing logsource block"},
		},
		{
			name:  "missing detection label",
			files: []File{{"a.hcl", []byte("detection {\n}\n")}},
			want:  []string{"a.hcl:1:11: error: Missing name for detection"},
		},
		{
			name:  "empty detection name",
			files: []File{{"a.hcl", []byte(strings.Replace(detectionWith("  condition = \"sel\"\n"), "detection \"d\"", "detection \"\"", 1))}},
			want:  []string{"a.hcl:1:11: error: Empty detection name"},
		},
		{
			name:  "empty search name",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  keywords \"\" {\n    values = [\"x\"]\n  }\n"))}},
			want:  []string{"a.hcl:12:12: error: Empty search name"},
		},
		{
			name:  "count is not a bool",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"5m\"\n    count = \"yes\"\n    gt = 1\n  }\n"))}},
			want:  []string{"a.hcl:14:13: error: Incorrect attribute value type"},
		},
		{
			name:  "two logsource blocks",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  logsource {\n    category = \"dns\"\n  }\n"))}},
			want:  []string{"a.hcl:12:3: error: Duplicate logsource block"},
		},
		{
			name:   "undeclared local",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      equals = local.hosts\n    }\n  }\n"))}},
			want:   []string{"a.hcl:14:16: error: Reference to undeclared local value"},
			detail: `No local value named "hosts"`,
		},
		{
			name:  "unknown variable",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  tags = var.tags\n"))}},
			want:  []string{"a.hcl:12:10: error: Unknown variable"},
		},
		{
			name:  "local without a name",
			files: []File{{"a.hcl", []byte("locals {\n  a = 1\n  b = local\n}\n")}},
			want:  []string{"a.hcl:3:7: error: Invalid reference to a local value"},
		},
		{
			name:   "cycle in locals",
			files:  []File{{"a.hcl", []byte("locals {\n  a = local.b\n  b = concat(local.c, [])\n  c = local.a\n}\n")}},
			want:   []string{"a.hcl:2:3: error: Cycle in local values"},
			detail: "local.a -> local.b -> local.c -> local.a",
		},
		{
			name:   "local refers to itself",
			files:  []File{{"a.hcl", []byte("locals {\n  a = [local.a]\n}\n")}},
			want:   []string{"a.hcl:2:3: error: Cycle in local values"},
			detail: "local.a -> local.a",
		},
		{
			name: "detection using a cyclic local reports the cycle only",
			files: []File{{"a.hcl", []byte("locals {\n  a = local.a\n}\n" +
				strings.Replace(detectionWith("  condition = \"sel\"\n"), "equals = \"x\"", "equals = local.a", 1))}},
			want: []string{"a.hcl:2:3: error: Cycle in local values"},
		},
		{
			name: "duplicate local across files",
			files: []File{
				{"a.hcl", []byte("locals {\n  hosts = [\"a\"]\n}\n")},
				{"b.hcl", []byte("locals {\n  other = 1\n  hosts = [\"b\"]\n}\n")},
			},
			want:   []string{"b.hcl:3:3: error: Duplicate local value"},
			detail: "local.hosts is already declared at a.hcl:2:3",
		},
		{
			name: "duplicate detection across files",
			files: []File{
				{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n"))},
				{"b.hcl", []byte(detectionWith("  condition = \"sel\"\n"))},
			},
			want:   []string{"b.hcl:1:11: error: Duplicate detection"},
			rules:  1,
			detail: `A detection named "d" is already defined at a.hcl:1:1`,
		},
		{
			name:   "duplicate search name",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  keywords \"sel\" {\n    values = [\"x\"]\n  }\n"))}},
			want:   []string{"a.hcl:12:12: error: Duplicate search"},
			detail: "already defined at a.hcl:6:3",
		},
		{
			name:  "duplicate test name",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  test \"t\" {\n    fixture = \"a.jsonl\"\n  }\n  test \"t\" {\n    fixture = \"b.jsonl\"\n  }\n"))}},
			want:  []string{"a.hcl:15:8: error: Duplicate test"},
		},
		{
			name:  "empty file",
			files: []File{{"a.hcl", nil}},
			want:  []string{"a.hcl:1:1: warning: file a.hcl defines no detection and no locals"},
		},
		{
			name:  "comments only",
			files: []File{{"a.hcl", []byte("# nothing yet\n\n// still nothing\n")}},
			want:  []string{"a.hcl:1:1: warning: file a.hcl defines no detection and no locals"},
		},
		{
			name:  "binary garbage",
			files: []File{{"a.hcl", []byte("\x00\x01\xff\xfe\x89PNG\r\n")}},
			want: []string{
				"a.hcl:1:1: error: Argument or block definition required",
				"a.hcl:1:1: error: Invalid character",
				"a.hcl:1:2: error: Invalid character",
				"a.hcl:1:3: error: Invalid character encoding",
			},
		},
		{
			name:   "file too large",
			files:  []File{{"big.hcl", bytes.Repeat([]byte("# padding\n"), 5<<20)}},
			want:   []string{"big.hcl:1:1: error: File too large"},
			detail: "big.hcl has 52428800 bytes; the limit is 1048576.",
		},
		{
			name:  "nesting too deep",
			files: []File{{"a.hcl", []byte(deep)}},
			want:  []string{"a.hcl:2:106: error: Nesting too deep"},
		},
		{
			name:  "long unary chain",
			files: []File{{"a.hcl", []byte("locals {\n  a = " + strings.Repeat("!", 5000) + "true\n}\n")}},
			want:  []string{"a.hcl:2:1007: error: Too many operators"},
		},
		{
			name:   "two comparisons in one match",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      contains = [\"x\"]\n      endswith = [\"y\"]\n    }\n  }\n"))}},
			want:   []string{"a.hcl:15:7: error: More than one comparison"},
			detail: `match "f" already compares with contains at a.hcl:14:7`,
		},
		{
			name:  "no comparison",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      cased = true\n    }\n  }\n"))}},
			want:  []string{"a.hcl:13:5: error: Missing comparison"},
		},
		{
			name:  "empty field name",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"\" {\n      equals = \"x\"\n    }\n  }\n"))}},
			want:  []string{"a.hcl:13:11: error: Empty field name"},
		},
		{
			name:  "match and group mixed",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      equals = \"x\"\n    }\n    group {\n      match \"g\" {\n        equals = \"y\"\n      }\n    }\n  }\n"))}},
			want:  []string{"a.hcl:16:5: error: Mixed match and group blocks"},
		},
		{
			name:  "empty selection",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n  }\n"))}},
			want:  []string{"a.hcl:12:3: error: Empty selection"},
		},
		{
			name:  "empty group",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    group {\n    }\n  }\n"))}},
			want:  []string{"a.hcl:13:5: error: Empty group"},
		},
		{
			name:  "empty value list",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      contains = []\n    }\n  }\n"))}},
			want:  []string{"a.hcl:13:5: error: field \"f\" has no values"},
		},
		{
			name:  "re_flags without re",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      contains = \"x\"\n      re_flags = [\"i\"]\n    }\n  }\n"))}},
			want:  []string{"a.hcl:15:7: error: re_flags without re"},
		},
		{
			name:  "unknown regex flag",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      re = \"x\"\n      re_flags = [\"x\"]\n    }\n  }\n"))}},
			want:  []string{"a.hcl:15:18: error: Unknown regular expression flag"},
		},
		{
			name:  "regex does not compile",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      re = [\"ok\", \"a(b\"]\n    }\n  }\n"))}},
			want:  []string{"a.hcl:14:19: error: field \"f\": regular expression does not compile: error parsing regexp: missing closing ): `a(b`"},
		},
		{
			name:  "regex lookbehind",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      re = [\"ok\", \"(?<=a)b\"]\n    }\n  }\n"))}},
			want:  []string{"a.hcl:14:19: error: field \"f\": regular expression \"(?<=a)b\" uses lookbehind, which RE2 (the regular expression syntax detc uses) does not support"},
		},
		{
			name:  "bad cidr",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      cidr = \"10.0.0.0\"\n    }\n  }\n"))}},
			want:  []string{"a.hcl:14:14: error: field \"f\": cidr needs a network such as 10.0.0.0/8: netip.ParsePrefix(\"10.0.0.0\"): no '/'"},
		},
		{
			name:  "modifier conflict from the shared pipeline",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      gt = 5\n      cased = true\n    }\n  }\n"))}},
			want:  []string{"a.hcl:13:5: error: modifier \"cased\" applies to string comparisons, not \"gt\""},
		},
		{
			name:  "two encodings",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      contains = \"x\"\n      base64 = true\n      base64offset = true\n    }\n  }\n"))}},
			want:  []string{"a.hcl:16:7: error: Conflicting value modifiers"},
		},
		{
			name:  "windash with too many options",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      contains = \"" + strings.Repeat(" -x", 20) + "\"\n      windash = true\n    }\n  }\n"))}},
			want:  []string{"a.hcl:14:18: error: field \"f\": windash gives 5 alternatives for each of the 20 options in \"" + strings.Repeat(" -x", 20) + "\"; a value may have at most 6"},
		},
		{
			name:  "number out of range",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  selection \"s2\" {\n    match \"f\" {\n      gt = 1e400\n    }\n  }\n"))}},
			want:  []string{"a.hcl:14:12: error: Number out of range"},
		},
		{
			name:  "unknown function",
			files: []File{{"a.hcl", []byte("locals {\n  a = file(\"/etc/passwd\")\n}\n")}},
			want:  []string{"a.hcl:2:7: error: Call to unknown function"},
		},
		{
			name:  "format width too large",
			files: []File{{"a.hcl", []byte("locals {\n  a = format(\"%999999999s\", \"x\")\n}\n")}},
			want:  []string{"a.hcl:2:15: error: Invalid function argument"},
		},
		{
			name: "value too large",
			files: []File{{"a.hcl", []byte("locals {\n  a = " + `["0","1","2","3","4","5","6","7","8","9"]` + "\n" +
				"  b = flatten([for x in local.a : [for y in local.a : [for z in local.a : [for w in local.a : \"${x}${y}${z}${w}\"]]]])\n" +
				"  c = concat(local.b, [\"z\"])\n}\n")}},
			want: []string{"a.hcl:4:7: error: Value too large"},
		},
		{
			name:  "condition syntax error lands in the string",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel and or x\"\n"))}},
			want:  []string{"a.hcl:11:24: error: unexpected \"or\": expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		},
		{
			name:  "condition syntax error in a heredoc",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = <<-EOT\n    sel and\n      (x or\n  EOT\n"))}},
			want:  []string{"a.hcl:13:12: error: unexpected end of condition: expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		},
		{
			name:  "condition is not a string",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = [\"sel\"]\n"))}},
			want:  []string{"a.hcl:11:15: error: Incorrect attribute value type"},
		},
		{
			name:  "empty condition",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"\"\n"))}},
			want:  []string{"a.hcl:11:16: error: empty condition"},
		},
		{
			name:  "aggregation suffix in condition",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel | count() by src_ip > 5\"\n"))}},
			want:  []string{"a.hcl:11:15: error: Aggregation in condition"},
		},
		{
			name:  "threshold without aggregate or comparison",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"5m\"\n    count = false\n  }\n"))}},
			want:  []string{"a.hcl:12:3: error: Missing aggregate", "a.hcl:12:3: error: Missing comparison"},
		},
		{
			name:  "threshold with two comparisons",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"5m\"\n    count = true\n    gt = 1\n    lt = 5\n  }\n"))}},
			want:  []string{"a.hcl:16:5: error: More than one comparison"},
		},
		{
			name:  "threshold with two aggregates",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"5m\"\n    count = true\n    sum = \"bytes\"\n    gt = 1\n  }\n"))}},
			want:  []string{"a.hcl:15:5: error: More than one aggregate"},
		},
		{
			name:   "threshold window",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"ten minutes\"\n    count = true\n    gt = 1\n  }\n"))}},
			want:   []string{"a.hcl:13:14: error: Invalid window"},
			detail: `window "ten minutes" is not a time span: write a whole number and a unit s, m, h or d (for example 5m).`,
		},
		{
			name:   "threshold window negative",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"-5m\"\n    count = true\n    gt = 1\n  }\n"))}},
			want:   []string{"a.hcl:13:14: error: Invalid window"},
			detail: `window "-5m" is negative: a time span is at least 1s.`,
		},
		{
			name:   "threshold window zero",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"0s\"\n    count = true\n    gt = 1\n  }\n"))}},
			want:   []string{"a.hcl:13:14: error: Invalid window"},
			detail: `window "0s" is zero: a time span is at least 1s.`,
		},
		{
			name:   "threshold window overflows",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    window = \"99999999999d\"\n    count = true\n    gt = 1\n  }\n"))}},
			want:   []string{"a.hcl:13:14: error: Invalid window"},
			detail: `window "99999999999d" is longer than the longest time span, 365d.`,
		},
		{
			name:  "field name with a control character",
			files: []File{{"a.hcl", []byte(strings.Replace(detectionWith("  condition = \"sel\"\n"), `match "f"`, `match "cs-\u001bhost"`, 1))}},
			want:  []string{"a.hcl:7:5: error: field name \"cs-\\x1bhost\" has a control character (U+001B) at byte 3: no target can name it"},
		},
		{
			name:   "group_by field with a tab",
			files:  []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    group_by = [\"src\\tip\"]\n    window = \"5m\"\n    count = true\n    gt = 1\n  }\n"))}},
			want:   []string{"a.hcl:13:16: error: Invalid field name"},
			detail: `field name "src\tip" has a control character (U+0009) at byte 3: no target can name it.`,
		},
		{
			name:  "threshold without window",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  threshold {\n    count = true\n    gt = 1\n  }\n"))}},
			want:  []string{"a.hcl:12:13: error: Missing required argument"},
		},
		{
			name:  "alert window is not a time",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  test \"t\" {\n    fixture = \"a.jsonl\"\n    alert {\n      value = 3\n      window = \"yesterday\"\n    }\n  }\n"))}},
			want:  []string{"a.hcl:16:16: error: Invalid window start"},
		},
		{
			name:  "alert group is a list",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  test \"t\" {\n    fixture = \"a.jsonl\"\n    alert {\n      value = 3\n      group = [\"x\"]\n    }\n  }\n"))}},
			want:  []string{"a.hcl:16:15: error: Incorrect attribute value type"},
		},
		{
			name:  "test without fixture",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  test \"t\" {\n    match = [\"e1\"]\n  }\n"))}},
			want:  []string{"a.hcl:12:12: error: Missing required argument"},
		},
		{
			name:  "unknown runbook section",
			files: []File{{"a.hcl", []byte(detectionWith("  condition = \"sel\"\n  runbook {\n    replace = [\"questions\", \"triage\"]\n  }\n"))}},
			want:  []string{"a.hcl:13:15: error: Unknown runbook section"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, diags := Load(tc.files)
			assert.Equal(t, tc.want, summaries(diags), diags.Error())
			if tc.detail != "" {
				require.NotEmpty(t, diags)
				assert.Contains(t, diags[0].Detail, tc.detail)
			}
			assert.Len(t, rules, tc.rules, "a detection with errors is not returned")
			for _, d := range diags {
				assert.True(t, d.Pos.IsValid(), "every diagnostic has a position: %s", d)
				assert.NotEmpty(t, d.Code, "every diagnostic has a code: %s", d)
			}
		})
	}
}
