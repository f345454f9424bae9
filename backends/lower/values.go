package lower

import (
	"errors"
	"fmt"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/check"
	"github.com/detc/detc/internal/rule"
)

// Source picks the source of profile p that the checked rule reads
// (mapping.Profile.Resolve: the first alternative for its log source that
// expresses every field the rule reads, FieldUses) and rewrites the values
// of fields the target stores differently (mapping.Profile.TranslateValues),
// then checks the result again, so that the condition binds the rewritten
// searches. A rule no source expresses, and a value that cannot be
// rewritten exactly, are refused for targetName here, once for every
// backend.
func Source(c *check.Rule, p *mapping.Profile, targetName string) (*mapping.Source, *check.Rule, error) {
	src, translated, err := p.Resolve(c.Rule, FieldUses(c))
	var ve *mapping.ValueError
	var se *mapping.SourceError
	var me *mapping.MappingError
	refuse := func(pos rule.Pos, construct, reason string) error {
		if !pos.IsValid() {
			pos = c.Pos
		}
		return target.Refuse(c.Rule, targetName, p.Name, pos, construct, "%s", reason)
	}
	switch {
	case errors.As(err, &ve):
		return nil, nil, refuse(ve.Pos, fmt.Sprintf("field %q", ve.Field), ve.Reason)
	case errors.As(err, &se):
		return nil, nil, refuse(se.Lacks[0].Pos, fmt.Sprintf("field %q", se.Lacks[0].Field), se.Detail())
	case errors.As(err, &me):
		return nil, nil, refuse(c.LogSource.Pos, "log source "+mapping.Describe(c.LogSource), me.Reason)
	case err != nil:
		return nil, nil, err
	case translated == c.Rule:
		return src, c, nil
	}
	checked, diags := check.Run(translated)
	if diags.HasErrors() {
		// The rewrite keeps every search and reference, so the check
		// passes again; anything else is a bug, not the user's error.
		return nil, nil, fmt.Errorf("rule %s after translating values: %v", c.Label(), diags)
	}
	return src, checked, nil
}

// FieldUses lists the fields a checked rule reads, each at the first
// place it reads it, in the order of its condition (and a temporal
// correlation's parts): the fields its comparisons name and fieldref
// values refer to, then its aggregation's field and keys. Searches the
// condition does not use are left out: no query reads them.
func FieldUses(c *check.Rule) []mapping.FieldUse {
	var out []mapping.FieldUse
	seen := map[string]bool{}
	add := func(field string, pos rule.Pos) {
		if field != "" && !seen[field] {
			seen[field] = true
			out = append(out, mapping.FieldUse{Field: field, Pos: pos})
		}
	}
	exprs := c.Parts
	if c.Condition != nil {
		exprs = append([]rule.Expr{c.Condition}, exprs...)
	}
	for _, e := range exprs {
		for m := range Condition(c, e).Matchers() {
			add(m.Field, m.Pos)
			for _, v := range m.Values {
				if v.Kind == rule.KindFieldRef {
					add(v.Text, v.Pos)
				}
			}
		}
	}
	if agg := c.Aggregation; agg != nil {
		add(agg.Field, agg.Pos)
		for _, g := range agg.GroupBy {
			add(g, agg.Pos)
		}
	}
	return out
}
