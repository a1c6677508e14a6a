package main

import (
	"reflect"
	"testing"

	"github.com/kelseyhightower/envconfig"
)

// TestSettingNames checks that --help names each setting as envconfig reads it.
func TestSettingNames(t *testing.T) {
	values := map[string]string{"Mode": "exec", "Timeout": "7s", "AllowMissing": "true", "LogLevel": "debug", "LogFormat": "json"}
	typ := reflect.TypeFor[settings]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		v, ok := values[f.Name]
		if !ok {
			t.Fatalf("no test value for setting %s", f.Name)
		}
		t.Setenv(settingName(f.Name), v)
	}
	var s settings
	if err := envconfig.Process(envPrefix, &s); err != nil {
		t.Fatal(err)
	}
	want := settings{Mode: "exec", Timeout: 7e9, AllowMissing: true, LogLevel: "debug", LogFormat: "json"}
	if s != want {
		t.Errorf("settings read from the names --help prints = %+v, want %+v", s, want)
	}
}
