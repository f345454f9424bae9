package lower

import (
	"errors"
	"fmt"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
)

// TranslateValues rewrites the values of fields the target stores
// differently (mapping.Profile.TranslateValues) and checks the result
// again, so that the condition binds the rewritten searches. A value that
// cannot be rewritten exactly is refused for targetName here, once for
// every backend.
func TranslateValues(c *check.Rule, p *mapping.Profile, src *mapping.Source, targetName string) (*check.Rule, error) {
	translated, err := p.TranslateValues(c.Rule, src)
	var ve *mapping.ValueError
	switch {
	case errors.As(err, &ve):
		return nil, target.Refuse(c.Rule, targetName, p.Name, ve.Pos, fmt.Sprintf("field %q", ve.Field), "%s", ve.Reason)
	case err != nil:
		return nil, err
	case translated == c.Rule:
		return c, nil
	}
	checked, diags := check.Run(translated)
	if diags.HasErrors() {
		// The rewrite keeps every search and reference, so the check
		// passes again; anything else is a bug, not the user's error.
		return nil, fmt.Errorf("rule %s after translating values: %v", c.Label(), diags)
	}
	return checked, nil
}
