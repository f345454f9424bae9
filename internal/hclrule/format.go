package hclrule

import (
	"bytes"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/detc/detc/internal/rule"
)

// Format returns the file in canonical form, as `detc fmt` writes it:
// hclwrite's layout (Terraform's: two-space indents, aligned equals signs)
// ending in exactly one newline. A file that is not valid HCL is not
// rewritten: Format returns nil and its syntax errors instead, since
// formatting broken input can mangle it. A file of only white space
// formats to an empty (non-nil) slice.
func Format(f File) ([]byte, rule.Diagnostics) {
	if diags := checkLimits(f); diags != nil {
		return nil, diags
	}
	if _, diags := parse(f); diags.HasErrors() {
		return nil, diags
	}
	out := bytes.TrimRight(hclwrite.Format(f.Data), " \t\r\n")
	if len(out) == 0 {
		return []byte{}, nil // not nil: nil means the file was not formatted
	}
	return append(out, '\n'), nil
}
