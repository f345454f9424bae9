package diff

import (
	"slices"
	"sort"
)

// Statuses of a detection in a diff.
const (
	Added   = "added"
	Removed = "removed"
	Renamed = "renamed"
	Changed = "changed"
)

// Change is the diff of one output of a detection.
type Change struct {
	// Target is the backend; "" for the runbook.
	Target string `json:"target"`
	Part   string `json:"part"`
	// Name is the output's name: "splunk.spl" for a query, the file's
	// path in a build's output for a deployment file or runbook.
	Name string `json:"name"`
	// Diff is a unified diff, "--- a/<name>" / "+++ b/<name>" first;
	// long changed lines are diffed word by word (Readable). "" when every
	// hunk repeats a query change.
	Diff string `json:"diff"`
	// Repeats counts the hunks left out of Diff because they only repeat
	// a change of the queries (see dropRepeats).
	Repeats int `json:"repeats_query,omitempty"`
}

// Entry is one detection that differs between the two sides.
type Entry struct {
	RuleID string `json:"rule_id"`
	// Title is the new title (the old one for a removed detection).
	Title  string `json:"title"`
	Status string `json:"status"`
	// OldFile and NewFile are relative to the repository's top folder; ""
	// on the side the detection is not on.
	OldFile string `json:"old_file"`
	NewFile string `json:"new_file"`
	// OldTitle, Name and OldName are set when a rename changed them.
	OldTitle string   `json:"old_title,omitempty"`
	Name     string   `json:"name,omitempty"`
	OldName  string   `json:"old_name,omitempty"`
	Pivot    bool     `json:"pivot,omitempty"`
	Changes  []Change `json:"changes"`
}

// Compare matches the detections of two sides by id and returns those
// that differ, ordered by file, then id. A detection on one side only is
// added or removed; one whose file, name or title differ is renamed
// (its outputs may differ too); one whose outputs differ is changed.
func Compare(old, new map[string]*Detection) []Entry {
	ids := map[string]bool{}
	for id := range old {
		ids[id] = true
	}
	for id := range new {
		ids[id] = true
	}
	var entries []Entry
	for id := range ids {
		o, n := old[id], new[id]
		e := Entry{RuleID: id, Changes: changes(o, n)}
		switch {
		case o == nil:
			e.Status, e.Title, e.NewFile, e.Pivot = Added, n.Title, n.File, n.Pivot
		case n == nil:
			e.Status, e.Title, e.OldFile, e.Pivot = Removed, o.Title, o.File, o.Pivot
		default:
			e.Title, e.OldFile, e.NewFile, e.Pivot = n.Title, o.File, n.File, n.Pivot
			switch {
			case o.File != n.File || o.Name != n.Name || o.Title != n.Title:
				e.Status = Renamed
				if o.Title != n.Title {
					e.OldTitle = o.Title
				}
				if o.Name != n.Name {
					e.Name, e.OldName = n.Name, o.Name
				}
			case len(e.Changes) > 0:
				e.Status = Changed
			default:
				continue
			}
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i].file(), entries[j].file()
		if a != b {
			return a < b
		}
		return entries[i].RuleID < entries[j].RuleID
	})
	dropRepeats(entries)
	return entries
}

// file is where the detection is now, or was when it was removed.
func (e Entry) file() string {
	if e.NewFile != "" {
		return e.NewFile
	}
	return e.OldFile
}

// changes diffs the outputs of a detection on the two sides (either may
// be nil), ordered by target, part and name.
func changes(o, n *Detection) []Change {
	type key struct{ target, part, name string }
	var keys []key
	texts := func(d *Detection) map[key]string {
		m := map[key]string{}
		if d == nil {
			return m
		}
		for _, out := range d.Outputs {
			k := key{out.Target, out.Part, out.Name}
			m[k] = out.Text
			keys = append(keys, k)
		}
		return m
	}
	olds, news := texts(o), texts(n)
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.target != b.target {
			// The runbook, which has no target, comes last.
			return b.target == "" || a.target != "" && a.target < b.target
		}
		if partRank[a.part] != partRank[b.part] {
			return partRank[a.part] < partRank[b.part]
		}
		return a.name < b.name
	})
	keys = slices.Compact(keys)
	out := []Change{}
	for _, k := range keys {
		oldText, inOld := olds[k]
		newText, inNew := news[k]
		oldName, newName := k.name, k.name
		if !inOld {
			oldName = ""
		}
		if !inNew {
			newName = ""
		}
		if d := Readable(oldName, newName, oldText, newText); d != "" {
			out = append(out, Change{Target: k.target, Part: k.part, Name: k.name, Diff: d})
		}
	}
	return out
}

// partRank orders a target's outputs: its query, then its deployment files.
var partRank = map[string]int{PartQuery: 0, PartDeployment: 1, PartRunbook: 2}

// Parts are the parts of a detection's output a diff can show.
var Parts = []string{PartQuery, PartDeployment, PartRunbook}

// Keep leaves only the changes of the given parts. A detection that was
// only changed, and whose remaining changes are none, is left out; added,
// removed and renamed detections stay listed.
func (res *Result) Keep(parts []string) {
	entries := res.Entries[:0]
	for _, e := range res.Entries {
		changes := []Change{}
		for _, c := range e.Changes {
			if slices.Contains(parts, c.Part) {
				changes = append(changes, c)
			}
		}
		e.Changes = changes
		if e.Status == Changed && len(changes) == 0 {
			continue
		}
		entries = append(entries, e)
	}
	res.Entries = entries
}
