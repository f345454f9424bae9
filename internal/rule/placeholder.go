package rule

import (
	"sort"
	"strings"
)

// ResolvePlaceholders replaces the %name% values of "expand" matchers with
// the named list (an HCL local), so that Sigma rules can use the lists written once as HCL
// locals. Each list item goes through the matcher's own modifiers. A name
// with no list is an error at the value; a matcher whose lists are all
// empty never holds, and its group is dropped (RemoveNeverSearches then
// folds an emptied search out of the condition). Rules are changed in
// place.
func ResolvePlaceholders(rules []*Rule, lists map[string][]RawValue) Diagnostics {
	var diags Diagnostics
	for _, r := range rules {
		emptied := false
		for _, s := range r.Searches {
			kept := s.Groups[:0]
			for _, g := range s.Groups {
				never := false
				for i, m := range g.Matchers {
					nm, empty, d := resolveMatcher(m, lists)
					diags = append(diags, d...)
					if nm != nil {
						g.Matchers[i] = nm
					}
					never = never || empty
				}
				if !never {
					kept = append(kept, g)
				}
			}
			emptied = emptied || len(kept) < len(s.Groups)
			s.Groups = kept
		}
		if emptied {
			// A list left empty (configuration with no entries): the
			// comparison never holds, as in an HCL detection.
			diags = append(diags, RemoveNeverSearches(r)...)
		}
	}
	return diags
}

// resolveMatcher returns nil, false, nil when m has no placeholder, and
// empty when its placeholders name empty lists and it has no other value:
// it can then never hold.
func resolveMatcher(m *Matcher, lists map[string][]RawValue) (*Matcher, bool, Diagnostics) {
	var diags Diagnostics
	var raws []RawValue
	found := false
	for _, v := range m.Values {
		if v.Kind != KindPlaceholder {
			raws = append(raws, RawValue{Kind: RawString, Text: v.Text, Pos: v.Pos})
			continue
		}
		found = true
		items, ok := lists[v.Text]
		if !ok {
			diags.Errorf(v.Pos, "unknown-placeholder", "placeholder %%%s%% names no list: define a local %q (a list of strings) in an .hcl file of the tree (known: %s)", v.Text, v.Text, knownLists(lists))
			continue
		}
		for _, it := range items {
			it.Pos = v.Pos // errors in an item point at the placeholder
			raws = append(raws, it)
		}
	}
	if !found || diags.HasErrors() {
		return nil, false, diags
	}
	if len(raws) == 0 {
		return nil, true, diags
	}
	var mods []string
	for _, mod := range m.Modifiers {
		// expand has done its work; all was split into matchers already.
		if mod != "expand" && mod != "all" {
			mods = append(mods, mod)
		}
	}
	ms, d := BuildMatchers(m.Field, mods, raws, m.Pos)
	diags = append(diags, d...)
	if len(ms) != 1 {
		return nil, false, diags
	}
	ms[0].Modifiers = m.Modifiers
	return ms[0], false, diags
}

func knownLists(lists map[string][]RawValue) string {
	names := make([]string, 0, len(lists))
	for n := range lists {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
