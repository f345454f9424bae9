package rule

// A search with no groups can never match: HCL detections get one when a
// configuration list they name (an approved list left empty) has no
// values. RemoveNeverSearches folds such searches out of the condition so
// that the evaluator and the backends only see searches that can match.

// truth is what folding learnt about a condition: it always holds, never
// holds, or depends on the event.
type truth int

const (
	depends truth = iota
	always
	never
)

// RemoveNeverSearches rewrites r's condition without its empty searches
// (each is false), drops them from r.Searches and returns their names. It
// reports an error at the condition when what is left always or never
// holds: the detection would then match every event of its log source, or
// none.
func RemoveNeverSearches(r *Rule) Diagnostics {
	var diags Diagnostics
	empty := map[string]bool{}
	var names []string
	for _, s := range r.Searches {
		if len(s.Groups) == 0 {
			empty[s.Name] = true
			names = append(names, s.Name)
		}
	}
	if len(empty) == 0 || r.Condition == nil {
		return nil
	}
	cond, t := fold(Expand(r.Condition, r.Searches), empty)
	switch t {
	case never:
		diags.Errorf(r.Condition.Position(), "condition-never", "the condition can never hold: %s %s no values (an empty configuration list)", quoteList(names), isOrAre(names, "has", "have"))
		return diags
	case always:
		diags.Errorf(r.Condition.Position(), "condition-always", "the condition would hold for every event of the log source: %s %s no values (an empty configuration list)", quoteList(names), isOrAre(names, "has", "have"))
		return diags
	}
	r.Condition = cond
	kept := r.Searches[:0]
	for _, s := range r.Searches {
		if !empty[s.Name] {
			kept = append(kept, s)
		}
	}
	r.Searches = kept
	return nil
}

// fold simplifies e knowing that the searches in empty never match.
func fold(e Expr, empty map[string]bool) (Expr, truth) {
	switch e := e.(type) {
	case *SearchRef:
		if empty[e.Name] {
			return nil, never
		}
		return e, depends
	case *Not:
		x, t := fold(e.X, empty)
		switch t {
		case never:
			return nil, always
		case always:
			return nil, never
		}
		return &Not{X: x, Pos: e.Pos}, depends
	case *And:
		return foldTerms(e.Terms, empty, never, always, func(ts []Expr) Expr { return &And{Terms: ts, Pos: e.Pos} })
	case *Or:
		return foldTerms(e.Terms, empty, always, never, func(ts []Expr) Expr { return &Or{Terms: ts, Pos: e.Pos} })
	}
	return e, depends
}

// foldTerms folds the terms of an And (a never term decides it, always
// terms drop out) or an Or (the other way round).
func foldTerms(terms []Expr, empty map[string]bool, decides, neutral truth, build func([]Expr) Expr) (Expr, truth) {
	var kept []Expr
	for _, term := range terms {
		x, t := fold(term, empty)
		switch t {
		case decides:
			return nil, decides
		case neutral:
			continue
		}
		kept = append(kept, x)
	}
	switch len(kept) {
	case 0:
		return nil, neutral
	case 1:
		return kept[0], depends
	}
	return build(kept), depends
}

func quoteList(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += "\"" + n + "\""
	}
	return out
}

func isOrAre(names []string, one, many string) string {
	if len(names) == 1 {
		return one
	}
	return many
}
