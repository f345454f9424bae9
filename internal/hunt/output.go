package hunt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/fixture/formats"
	"github.com/detc/detc/internal/rule"
)

// eventAlert is the JSON line of an alert on one event.
type eventAlert struct {
	RuleID string          `json:"rule_id"`
	Title  string          `json:"title"`
	Level  string          `json:"level,omitempty"`
	Time   *string         `json:"time"`
	File   string          `json:"file"`
	Line   int             `json:"line"`
	Event  json.RawMessage `json:"event"`
}

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
}

type alertWriter struct {
	w   *bufio.Writer
	buf bytes.Buffer
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

func (a *alertWriter) event(r *rule.Rule, file string, ev *formats.Event) error {
	al := eventAlert{RuleID: r.IDOrName(), Title: r.Title, Level: r.Level, File: file, Line: ev.Line, Event: a.eventJSON(ev)}
	if t, ok := ev.Time(); ok {
		s := formatTime(t)
		al.Time = &s
	}
	return a.write(al)
}

// eventJSON is the event as the log has it when that is JSON (compacted
// to one line), or else its taxonomy fields as an object.
func (a *alertWriter) eventJSON(ev *formats.Event) json.RawMessage {
	raw := ev.Raw()
	if len(raw) > 0 && raw[0] == '{' {
		a.buf.Reset()
		if json.Compact(&a.buf, raw) == nil {
			return json.RawMessage(bytes.Clone(a.buf.Bytes()))
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
		return json.RawMessage("{}")
	}
	return data
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
		Group: al.Group, Value: al.Value,
	})
}
