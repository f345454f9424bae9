package diff

import (
	"strings"
)

// Deployment files and runbooks embed the queries, so a query change shows
// again in each of them. dropRepeats takes those repeats out: a hunk of a
// deployment or runbook diff whose changed words are all words that the
// detection's query diffs change (for a runbook, which shows every
// target's query and the pivots' queries, the query diffs of the whole
// report) is left out, and the change says how many were. Lines of a
// deployment file that name a version are not compared: the version is a
// hash of the query and changes with it.

// wordSet is the set of words on the changed lines of diffs, added and
// removed apart.
type wordSet struct{ added, removed map[string]bool }

func newWordSet() wordSet { return wordSet{map[string]bool{}, map[string]bool{}} }

// add records the words that a diff's changes add and remove: per run of
// changed lines, the words a word-level diff of its old and new lines
// finds, so that the unchanged words of a changed line do not count.
func (s wordSet) add(diff string, skipVersions bool) {
	var old, new strings.Builder
	flush := func() {
		ta, tb := tokens(unescape(old.String())), tokens(unescape(new.String()))
		for _, o := range myers(ta, tb) {
			switch {
			case o.kind == opDelete && isWordToken(ta[o.a]):
				s.removed[ta[o.a]] = true
			case o.kind == opInsert && isWordToken(tb[o.b]):
				s.added[tb[o.b]] = true
			}
		}
		old.Reset()
		new.Reset()
	}
	for _, line := range strings.Split(diff, "\n") {
		changed := line != "" && (line[0] == '-' || line[0] == '+') &&
			!strings.HasPrefix(line, "--- ") && !strings.HasPrefix(line, "+++ ")
		if !changed {
			flush()
			continue
		}
		if skipVersions && strings.Contains(strings.ToLower(line), "version") {
			continue
		}
		if line[0] == '-' {
			old.WriteString(line[1:] + "\n")
		} else {
			new.WriteString(line[1:] + "\n")
		}
	}
	flush()
}

// within reports whether every word of s is in o.
func (s wordSet) within(o wordSet) bool {
	for w := range s.added {
		if !o.added[w] {
			return false
		}
	}
	for w := range s.removed {
		if !o.removed[w] {
			return false
		}
	}
	return true
}

func isWordToken(t string) bool {
	for _, r := range t {
		return isWord(r)
	}
	return false
}

// unescape undoes the escapes of a query embedded in a JSON or SPL
// string, so that its words are the query's.
var unescape = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n", `\t`, "\t").Replace

// splitHunks cuts a unified diff into its header (the --- and +++ lines)
// and its hunks, each from its @@ line.
func splitHunks(diff string) (header string, hunks []string) {
	for _, line := range splitLines(diff) {
		if strings.HasPrefix(line, "@@ ") {
			hunks = append(hunks, "")
		}
		if len(hunks) == 0 {
			header += line
			continue
		}
		hunks[len(hunks)-1] += line
	}
	return header, hunks
}

// dropRepeats removes from the deployment and runbook changes of entries
// the hunks that only repeat query changes (see above).
func dropRepeats(entries []Entry) {
	all := newWordSet()
	own := make([]wordSet, len(entries))
	hasQuery := make([]bool, len(entries))
	anyQuery := false
	for i, e := range entries {
		own[i] = newWordSet()
		for _, c := range e.Changes {
			if c.Part == PartQuery {
				own[i].add(c.Diff, false)
				all.add(c.Diff, false)
				hasQuery[i], anyQuery = true, true
			}
		}
	}
	for i := range entries {
		e := &entries[i]
		for j := range e.Changes {
			c := &e.Changes[j]
			if c.Part == PartQuery {
				continue
			}
			queries := own[i]
			if c.Part == PartRunbook {
				queries = all
			}
			if !(hasQuery[i] || c.Part == PartRunbook && anyQuery) {
				continue
			}
			header, hunks := splitHunks(c.Diff)
			var kept []string
			for _, h := range hunks {
				words := newWordSet()
				words.add(h, c.Part == PartDeployment)
				if !words.within(queries) {
					kept = append(kept, h)
				}
			}
			if c.Repeats = len(hunks) - len(kept); c.Repeats == 0 {
				continue
			}
			c.Diff = ""
			if len(kept) > 0 {
				c.Diff = header + strings.Join(kept, "")
			}
		}
	}
}
