"""Screenshots of a published CPL web page, as a laptop and a phone show it, in headless
Chromium: ``python scripts/screenshot_page.py PAGE.html --out DIR [--search TEXT]``.

Writes DIR/laptop.png (1366x768) and DIR/phone.png (390x844, a phone's viewport), and with
--search the same after typing TEXT into the search box. Needs Debian's chromium and
chromium-driver, and selenium (pip install '.[test]').
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--search", help="also shoot the page after typing this")
    args = parser.parse_args()

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        raise SystemExit("needs Debian's chromium and chromium-driver")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, width, height, mobile in (("laptop", 1366, 768, False),
                                        ("phone", 390, 844, True)):
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-sync", "--disable-component-update", "--hide-scrollbars"):
            options.add_argument(flag)
        if mobile:
            options.add_experimental_option("mobileEmulation", {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}})
        else:
            options.add_argument(f"--window-size={width},{height}")
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.get(args.page.resolve().as_uri())
            driver.save_screenshot(str(args.out / f"{name}.png"))
            if args.search:
                driver.find_element(By.NAME, "q").send_keys(args.search)
                driver.save_screenshot(str(args.out / f"{name}-search.png"))
        finally:
            driver.quit()
        print(f"wrote {args.out / name}.png")


if __name__ == "__main__":
    main()
