package fakelog

import (
	"testing"
	"time"
)

func TestNextWaitsAndKeepsOrder(t *testing.T) {
	var l Log[int]
	if _, ok := l.TryNext(); ok {
		t.Fatal("an empty log returned an item")
	}
	go func() {
		for i := 1; i <= 3; i++ {
			l.Add(i)
		}
	}()
	for want := 1; want <= 3; want++ {
		if got, ok := l.Next(5 * time.Second); !ok || got != want {
			t.Fatalf("Next = %d %v, want %d", got, ok, want)
		}
	}
	if !l.Wait(3, time.Second) || l.Len() != 3 || len(l.All()) != 3 {
		t.Fatal("the log lost items")
	}
	if _, ok := l.Next(10 * time.Millisecond); ok {
		t.Fatal("Next returned an item twice")
	}
	if l.Wait(4, 10*time.Millisecond) {
		t.Fatal("Wait saw an item that was never added")
	}
}
