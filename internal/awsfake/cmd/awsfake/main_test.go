package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "../../../../testdata/awsfake/sample.json", "-rate", "GetParameters=20:20", "-latency", "1ms"}, pw, &stderr)
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no line on stdout: %v (stderr %q)", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "awsfake listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("stdout line = %q", line)
	}
	resp, err := http.Get(url + "/latest/meta-data/placement/region")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("IMDS region = %d", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("run = %d, want 0 (stderr %q)", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop when cancelled")
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-rate", "GetParameters"},
		{"-rate", "GetParameters=x"},
		{"-rate", "GetParameters=20:0"},
	} {
		var stderr strings.Builder
		if code := run(t.Context(), args, io.Discard, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
	var stderr strings.Builder
	if code := run(t.Context(), []string{"no-such-command-anywhere"}, io.Discard, &stderr); code != 127 {
		t.Errorf("run with a missing command = %d, want 127", code)
	}
	if code := run(t.Context(), []string{"-addr", "127.0.0.1:0", "-seed", "no/such.json"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "seed") {
		t.Errorf("run with a missing seed = %d %q, want 1", code, stderr.String())
	}
}

func TestRunCommand(t *testing.T) {
	var stdout, stderr strings.Builder
	status := run(t.Context(), []string{"-seed", "../../../../testdata/awsfake/sample.json", "--",
		"/bin/sh", "-c", `echo "$AWS_ENDPOINT_URL $AWS_REGION $AWS_EC2_METADATA_DISABLED"; exit 7`}, &stdout, &stderr)
	if status != 7 {
		t.Errorf("status = %d, want the command's 7 (stderr %q)", status, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "http://127.0.0.1:") || !strings.HasSuffix(stdout.String(), " us-east-1 true\n") {
		t.Errorf("the command saw %q, want the fake's URL, us-east-1 and IMDS disabled", stdout.String())
	}
	if !strings.Contains(stderr.String(), "awsfake listening on http://127.0.0.1:") {
		t.Errorf("stderr = %q, want the listening line", stderr.String())
	}
}
