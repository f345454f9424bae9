package eval

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCanonicalNumberMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 4104, 0.5, -0.25, 1e20, 1e21, 123456789012345678, 1e-6, 1e-7, 3.14159, -2.5e-9, 1.5e300} {
		want, err := json.Marshal(f)
		require.NoError(t, err)
		assert.Equal(t, string(want), canonicalNumber(f), "%v", f)
	}
}

func TestNumberText(t *testing.T) {
	tests := []struct {
		text, want string
		num        float64
		ok         bool
	}{
		{"4104", "4104", 4104, true},
		{"-7", "-7", -7, true},
		{"4104.0", "4104", 4104, true},
		{"4.104e3", "4104", 4104, true},
		{"1e21", "1e+21", 1e21, true},
		{"0", "0", 0, true},
		{"-0", "-0", 0, true},
		{"007", "7", 7, true},
		{"12345678901234567890", "12345678901234567000", 12345678901234567890, true},
		{"abc", "", 0, false},
		{"0x10", "", 0, false},
		{"Inf", "", 0, false},
		{"1e999", "", 0, false},
		{"1.", "", 0, false},
		{"", "", 0, false},
	}
	for _, tc := range tests {
		v, ok := NumberText(tc.text)
		assert.Equal(t, tc.ok, ok, tc.text)
		if !ok {
			continue
		}
		assert.Equal(t, KindNumber, v.Kind)
		assert.Equal(t, tc.num, v.Num, tc.text)
		text, _ := v.Text()
		assert.Equal(t, tc.want, text, tc.text)
	}
}

func TestValueText(t *testing.T) {
	tests := []struct {
		v    Value
		text string
		ok   bool
	}{
		{String("x"), "x", true},
		{Number(0.5), "0.5", true},
		{Value{Kind: KindNumber, Num: 4104}, "4104", true},
		{Bool(true), "true", true},
		{Bool(false), "false", true},
		{Null(), "", false},
		{List(String("x")), "", false},
		{Object(), "", false},
	}
	for _, tc := range tests {
		text, ok := tc.v.Text()
		assert.Equal(t, tc.ok, ok, "%+v", tc.v)
		assert.Equal(t, tc.text, text, "%+v", tc.v)
	}
}

func TestMapEventConvertsGoNumbers(t *testing.T) {
	ev := MapEvent{"i": 4104, "i64": int64(-3), "f32": float32(0.5), "num": json.Number("12"), "bad": json.Number("x")}
	for name, want := range map[string]string{"i": "4104", "i64": "-3", "f32": "0.5", "num": "12", "bad": "x"} {
		v, ok := ev.Field(name)
		require.True(t, ok, name)
		text, _ := v.Text()
		assert.Equal(t, want, text, name)
	}
}

func TestFlatten(t *testing.T) {
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"b": {"y": 2, "x": "s"}, "a": [1, {"k": "v"}], "b.z": true, "n": null}`), &m))
	ev := &FlatEvent{Names: []string{"stale"}, Values: []Value{String("stale")}}
	Flatten(m, ev)
	assert.Equal(t, []string{"a", "b.z", "n", "b.x", "b.y"}, ev.Names)
	assert.Equal(t, []Value{List(Value{Kind: KindNumber, Num: 1}, Object()), Bool(true), Null(), String("s"), {Kind: KindNumber, Num: 2}}, ev.Values)
	var seen []string
	ev.Each(func(v Value) bool {
		seen = append(seen, render(v))
		return len(seen) < 3
	})
	assert.Equal(t, []string{"1", "{...}", "true"}, seen, "Each walks arrays and stops when asked")
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "list", KindList.String())
	assert.Equal(t, "kind(42)", Kind(42).String())
}
