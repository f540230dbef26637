//! (being written)

use crate::contract::Shape;

pub(crate) fn shape(_event: &str) -> Option<Shape> {
    None
}
