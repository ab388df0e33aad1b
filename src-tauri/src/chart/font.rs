//! The charts' one font: DejaVu Sans, embedded in the binary and registered with plotters for
//! the family the charts use ([`super::FONT`]).
//!
//! plotters is built with `ab_glyph`, so it measures text (for layout, in SVG too) and
//! rasterizes it (in PNG) with a registered font only: drawing any text before [`register`]
//! fails with "font unavailable". Every chart entry point calls [`register`] first; it runs
//! once per process. No system font is read. The font's licence is beside it in
//! `src-tauri/assets/fonts/`.

use std::sync::Once;

use plotters::style::{register_font, FontStyle};

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/DejaVuSans-LICENSE.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

static REGISTER: Once = Once::new();

/// Registers the embedded font for the charts' family (every style falls back to it).
pub fn register() {
    REGISTER.call_once(|| {
        // The font is compiled in and known good; a failure is a broken build, caught by the
        // chart tests (every chart would fail with "font unavailable").
        if register_font(super::FONT, FontStyle::Normal, DEJAVU_SANS).is_err() {
            tracing::error!("the embedded chart font could not be loaded");
        }
    });
}

#[cfg(test)]
mod tests {
    use plotters::style::{FontDesc, FontFamily, FontStyle};

    #[test]
    fn the_embedded_font_measures_text() {
        super::register();
        let font = FontDesc::new(
            FontFamily::Name(super::super::FONT),
            12.0,
            FontStyle::Normal,
        );
        let (w_short, _) = font.box_size("1").unwrap();
        let (w_long, h) = font.box_size("100 MB per minute").unwrap();
        assert!(w_long > w_short * 5, "{w_short} vs {w_long}");
        assert!(h > 0);
    }
}
