package hunt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/logs"
	"github.com/detc/detc/internal/rule"
)

// aggregateAlert is the JSON line of an aggregation's alert: a group whose
// aggregate passed the threshold in one window.
type aggregateAlert struct {
	RuleID    string            `json:"rule_id"`
	Title     string            `json:"title"`
	Level     string            `json:"level,omitempty"`
	Time      string            `json:"time"`
	WindowEnd string            `json:"window_end"`
	Group     map[string]string `json:"group"`
	Value     float64           `json:"value"`
	// Events are where the first events that counted were.
	Events []eval.Ref `json:"events,omitempty"`
}

// match is one search that matched an event, in an alert: the matchers
// of its group that matched, each with the rule's values and the event's
// (eval's Explain, as detc test shows it).
type match struct {
	Search string       `json:"search"`
	Fields []matchField `json:"fields"`
}

type matchField struct {
	// Field is "" for a keyword.
	Field     string   `json:"field,omitempty"`
	Modifiers []string `json:"modifiers,omitempty"`
	Values    []string `json:"values"`
	Event     string   `json:"event"`
}

// matches are the searches that matched ev.
func matches(x eval.Explanation) []match {
	out := []match{}
	for _, s := range x.Searches {
		if !s.Matched {
			continue
		}
		m := match{Search: s.Name, Fields: []matchField{}}
		for _, r := range s.Matchers {
			m.Fields = append(m.Fields, matchField{Field: r.Field, Modifiers: r.Modifiers, Values: r.Values, Event: r.Event})
		}
		out = append(out, m)
	}
	return out
}

type alertWriter struct {
	w   *bufio.Writer
	err error
}

func newAlertWriter(w io.Writer) *alertWriter {
	return &alertWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (a *alertWriter) write(v any) error {
	if a.err != nil {
		return a.err
	}
	line, err := json.Marshal(v)
	if err == nil {
		line = append(line, '\n')
		_, err = a.w.Write(line)
	}
	a.err = err
	return err
}

func (a *alertWriter) flush() error {
	if a.err == nil {
		a.err = a.w.Flush()
	}
	return a.err
}

// alertPrefix is the start of a rule's event alerts, made once per rule:
// {"rule_id":...,"title":...,"level":...,"time":
func alertPrefix(r *rule.Rule) []byte {
	b := []byte(`{"rule_id":`)
	b = appendString(b, r.IDOrName())
	b = append(b, `,"title":`...)
	b = appendString(b, r.Title)
	if r.Level != "" {
		b = append(b, `,"level":`...)
		b = appendString(b, r.Level)
	}
	return append(b, `,"time":`...)
}

// raw writes alert lines formatted already.
func (a *alertWriter) raw(b []byte) error {
	if a.err == nil && len(b) > 0 {
		_, a.err = a.w.Write(b)
	}
	return a.err
}

// appendEventAlert appends the JSON line of an alert on one event:
// rule_id, title, level, time (null when the event has none), file, line,
// the searches that matched and the event. Alerts can be many, so the
// line is built by hand; scratch is scratch memory.
func appendEventAlert(b []byte, scratch *bytes.Buffer, p *program, file string, ev *logs.Event) []byte {
	b = append(b, p.prefix...)
	if t, ok := ev.Time(); ok {
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"file":`...)
	b = appendString(b, file)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(ev.Line), 10)
	b = append(b, `,"matches":`...)
	scratch.Reset()
	enc := json.NewEncoder(scratch)
	enc.SetEscapeHTML(false)
	if enc.Encode(matches(p.prog.Explain(&ev.FlatEvent))) == nil {
		b = append(b, bytes.TrimSuffix(scratch.Bytes(), []byte("\n"))...)
	} else {
		b = append(b, "[]"...)
	}
	b = append(b, `,"event":`...)
	b = appendEvent(b, scratch, ev)
	return append(b, "}\n"...)
}

// appendEvent appends the event as the log has it when that is JSON
// (compacted to one line), or else its taxonomy fields as an object.
func appendEvent(b []byte, compact *bytes.Buffer, ev *logs.Event) []byte {
	raw := ev.Raw()
	if len(raw) > 0 && raw[0] == '{' {
		if isCompact(raw) {
			return append(b, raw...)
		}
		compact.Reset()
		if json.Compact(compact, raw) == nil {
			return append(b, compact.Bytes()...)
		}
	}
	obj := map[string]any{}
	for i, n := range ev.Names {
		if _, dup := obj[n]; !dup {
			obj[n] = jsonValue(ev.Values[i])
		}
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return append(b, "{}"...)
	}
	return append(b, data...)
}

// isCompact reports whether a JSON object the reader has parsed is
// already as json.Compact writes it: no space outside strings, and strings
// that json.Compact accepts (the reader skips the strings of fields no
// rule reads without checking them). JSON Lines events usually are, and
// copying them costs far less than compacting.
func isCompact(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case ' ', '\t', '\n', '\r':
			return false
		case '"':
			for i++; ; i++ {
				if i == len(raw) {
					return false
				}
				c := raw[i]
				if c == '"' {
					break
				}
				if c < 0x20 {
					return false
				}
				if c == '\\' {
					if i+1 == len(raw) {
						return false
					}
					i++
					switch raw[i] {
					case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					case 'u':
						if i+4 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) || !isHex(raw[i+3]) || !isHex(raw[i+4]) {
							return false
						}
						i += 4
					default:
						return false
					}
				}
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func jsonValue(v eval.Value) any {
	switch v.Kind {
	case eval.KindString:
		return v.Str
	case eval.KindNumber:
		t, _ := v.Text()
		return json.Number(t)
	case eval.KindBool:
		return v.Str == "true"
	case eval.KindList:
		list := make([]any, len(v.List))
		for i, el := range v.List {
			list[i] = jsonValue(el)
		}
		return list
	case eval.KindObject:
		return map[string]any{}
	}
	return nil
}

func (a *alertWriter) aggregate(r *rule.Rule, al eval.Alert) error {
	return a.write(aggregateAlert{
		RuleID: r.IDOrName(), Title: r.Title, Level: r.Level,
		Time: formatTime(al.WindowStart), WindowEnd: formatTime(al.WindowStart.Add(r.Aggregation.Window)),
		Group: al.Group, Value: al.Value, Events: al.First,
	})
}
