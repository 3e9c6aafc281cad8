//! Obtaining the same many objects again (`Object::get_or_create_many` over objects already
//! live, as `AccountManager::accounts()` does after `load`) keeps no memory: the registry is
//! not enlarged for objects it holds. One test in this binary: it counts every allocation.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use common::{manager_with, Account};
use sipcfg::{Data, Object};

/// The system allocator, counting the bytes held.
struct Counting;

static HELD: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout as asked of us.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HELD.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as for `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn obtaining_live_objects_again_keeps_no_memory() {
    let mut data = Data::new();
    let accounts = data.group_entry("Accounts");
    for i in 0..20_000 {
        accounts
            .group_entry(&format!("user{i:05}@example.com"))
            .insert("enabled", "true");
    }
    let (manager, _) = manager_with(data);
    let ids = Object::<Account>::id_texts(&manager).unwrap();
    let live = Object::<Account>::get_or_create_many(&manager, &ids).unwrap();
    let before = HELD.load(Ordering::Relaxed);
    drop(Object::<Account>::get_or_create_many(&manager, &ids).unwrap());
    let after = HELD.load(Ordering::Relaxed);
    assert!(
        after - before <= 4096,
        "obtaining 20,000 live objects again kept {} bytes more",
        after - before
    );
    assert_eq!(live.len(), 20_000);
}
