import { type ReactElement, useState } from "react";

/** Initials, or the image when it loads (a broken URL falls back to initials). */
export function Avatar({
  name,
  image,
  large = false,
}: {
  name: string;
  image?: string | null;
  large?: boolean;
}): ReactElement {
  const [broken, setBroken] = useState(false);
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]?.toUpperCase())
      .join("") || "?";
  return (
    <span className={`avatar ${large ? "avatar-lg" : ""}`} aria-hidden="true">
      {image && !broken ? <img src={image} alt="" onError={() => setBroken(true)} /> : initials}
    </span>
  );
}
